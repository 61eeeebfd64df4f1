using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Redux;

namespace FluxServe.Server.Generation;

/// <summary>
/// Serves <c>flux-redux-schnell</c>: variations of each job's input image with the Redux components on the FLUX.1
/// [schnell] that <c>flux-schnell</c> also uses (one copy in memory, see <see cref="LoadedModels"/>).
/// </summary>
public sealed class FluxReduxGenerator : IImageGenerator, IDisposable
{
    private readonly LoadedModels _models;
    private readonly Lock _gate = new();
    private ImageVariationPipeline? _pipeline;

    /// <param name="schnellPath">The FLUX.1 [schnell] model folder or file.</param>
    /// <param name="reduxPath">The folder with the SigLIP tower and the Redux embedder.</param>
    /// <param name="models">The process's loaded models.</param>
    public FluxReduxGenerator(string schnellPath, string reduxPath, LoadedModels models)
    {
        ArgumentNullException.ThrowIfNull(models);
        SchnellPath = schnellPath;
        ReduxPath = reduxPath;
        _models = models;
    }

    /// <inheritdoc />
    public string Model => "flux-redux-schnell";

    public string SchnellPath { get; }

    public string ReduxPath { get; }

    /// <inheritdoc />
    public string Device => "cpu";

    /// <inheritdoc />
    public int MaxBatchItems => 1;

    /// <inheritdoc />
    public Task<GeneratedImages> GenerateAsync(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        return Task.Factory.StartNew(
            () => Generate(request, progress, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _pipeline?.Dispose();
            _pipeline = null;
        }
    }

    private GeneratedImages Generate(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _pipeline ??= new ImageVariationPipeline(_models.Flux(SchnellPath, "schnell"), _models.Redux(ReduxPath));
            var items = new List<IReadOnlyList<GeneratedImage>>(request.Items.Count);
            foreach (var item in request.Items)
            {
                using var image = ReadInput(item);
                var variation = new ImageVariationRequest
                {
                    Image = image,
                    Width = request.Width,
                    Height = request.Height,
                    Steps = request.Steps,
                    Seed = item.Seed,
                    Samples = item.Samples,
                    Sampler = request.Sampler,
                    Scheduler = request.Scheduler,
                };
                Pipelines.TextToImage.GeneratedImages result;
                try
                {
                    result = _pipeline.Generate(variation, new PipelineProgress(progress), cancellationToken);
                }
                catch (ArgumentException ex)
                {
                    throw new GenerationRejectedException(ex.Message, ex);
                }

                using (result)
                {
                    items.Add(OutputEncoding.Encode(result, request.OutputFormat, request.OutputQuality));
                }
            }

            return new GeneratedImages(items);
        }
    }

    private static RgbImage ReadInput(GenerationItem item)
    {
        if (item.InputImagePath is null || !File.Exists(item.InputImagePath))
        {
            throw new GenerationRejectedException("The job's input image is missing on the server; submit the request again. The request was refunded.");
        }

        try
        {
            return ImageDecoder.Decode(File.ReadAllBytes(item.InputImagePath));
        }
        catch (ImageFormatException error)
        {
            throw new GenerationRejectedException($"redux_image could not be decoded: {error.Message}", error);
        }
    }
}
