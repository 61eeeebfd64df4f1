using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;

namespace FluxServe.Pipelines.Redux;

/// <summary>
/// FLUX.1 Redux image variation: the empty prompt's conditioning (T5 states of "", CLIP pooled of "") with the image's
/// Redux tokens appended (spec/redux.md §5: the API takes no prompt), then the text-to-image sampler and decoder.
/// </summary>
/// <remarks>
/// The empty prompt's conditioning is computed once per pipeline and reused: it depends on nothing but the model.
/// Instances are safe to use from several threads (the cache is built under a lock).
/// </remarks>
public sealed class ImageVariationPipeline : IDisposable
{
    private readonly FluxModel _flux;
    private readonly ReduxModel _redux;
    private readonly Lock _gate = new();
    private FluxConditioning? _emptyPrompt;

    /// <summary>Uses (does not own) a loaded FLUX.1 model and the Redux components.</summary>
    public ImageVariationPipeline(FluxModel flux, ReduxModel redux)
    {
        ArgumentNullException.ThrowIfNull(flux);
        ArgumentNullException.ThrowIfNull(redux);
        if (redux.Embedder.Config.ContextDim != flux.Transformer.Config.ContextInDim)
        {
            throw new ArgumentException(
                $"The Redux embedder makes {redux.Embedder.Config.ContextDim}-wide tokens, but the transformer reads {flux.Transformer.Config.ContextInDim}.", nameof(redux));
        }

        _flux = flux;
        _redux = redux;
    }

    /// <summary>Generates <see cref="ImageVariationRequest.Samples"/> variations of the request's image.</summary>
    /// <exception cref="ArgumentException">A size that is not a positive multiple of 16, or bad sampling arguments.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between model passes.</exception>
    public GeneratedImages Generate(ImageVariationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var conditioner = new ReduxConditioner(_redux.Tower, _redux.Embedder) { Strength = request.Strength };
        using var conditioning = conditioner.Condition(EmptyPrompt(), request.Image);
        cancellationToken.ThrowIfCancellationRequested();
        var textToImage = new TextToImageRequest
        {
            Prompt = string.Empty,
            Width = request.Width,
            Height = request.Height,
            Steps = request.Steps,
            Seed = request.Seed,
            Samples = request.Samples,
            Sampler = request.Sampler,
            Scheduler = request.Scheduler,
            Guidance = request.Guidance,
        };
        return new TextToImagePipeline(_flux).Generate(textToImage, conditioning, progress, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _emptyPrompt?.Dispose();
            _emptyPrompt = null;
        }
    }

    private FluxConditioning EmptyPrompt()
    {
        lock (_gate)
        {
            return _emptyPrompt ??= new PromptEncoder(_flux).Encode(string.Empty);
        }
    }
}
