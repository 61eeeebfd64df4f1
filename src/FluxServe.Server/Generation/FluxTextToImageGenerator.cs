using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;
using PipelineImages = FluxServe.Pipelines.TextToImage.GeneratedImages;

namespace FluxServe.Server.Generation;

/// <summary>
/// Serves <c>flux-schnell</c> or <c>flux-dev</c> with the real text-to-image pipeline on the CPU. The model folder is
/// loaded on the first job (server start stays fast; loading a 12B checkpoint takes a while) and kept.
/// </summary>
public sealed class FluxTextToImageGenerator : IImageGenerator, IDisposable
{
    private readonly Lazy<FluxModel> _model;

    /// <summary>A generator for <paramref name="model"/> reading the model found at <paramref name="path"/>.</summary>
    public FluxTextToImageGenerator(string model, string path)
    {
        Model = model;
        Path = path;
        _model = new Lazy<FluxModel>(() => Load(model, path), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public string Model { get; }

    /// <summary>The model folder or file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Device => "cpu";

    /// <inheritdoc />
    public int MaxBatchItems => 1;

    /// <inheritdoc />
    public Task<GeneratedImages> GenerateAsync(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);

        // The pipeline is synchronous and CPU-bound: run it off the caller's thread.
        return Task.Factory.StartNew(
            () => Generate(request, progress, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }
    }

    private GeneratedImages Generate(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken)
    {
        var pipeline = new TextToImagePipeline(_model.Value);
        var format = request.OutputFormat switch
        {
            ImageFormat.Png => Pipelines.Imaging.ImageFormat.Png,
            ImageFormat.WebP => Pipelines.Imaging.ImageFormat.WebP,
            _ => Pipelines.Imaging.ImageFormat.Jpeg,
        };
        var items = new List<IReadOnlyList<GeneratedImage>>(request.Items.Count);
        foreach (var item in request.Items)
        {
            var pipelineRequest = new TextToImageRequest
            {
                Prompt = item.Prompt,
                Seed = item.Seed,
                Samples = item.Samples,
                Width = request.Width,
                Height = request.Height,
                Steps = request.Steps,
                Sampler = request.Sampler,
                Scheduler = request.Scheduler,
                Denoise = request.Denoise,
                Guidance = (float)request.Guidance,
            };
            var stepProgress = new Progress(progress);
            PipelineImages result;
            try
            {
                result = pipeline.Generate(pipelineRequest, stepProgress, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                // Sizes and names are validated at submit; anything the pipeline still refuses is the client's to read.
                throw new GenerationRejectedException(ex.Message, ex);
            }

            using (result)
            {
                var encoded = new List<GeneratedImage>(result.Images.Count);
                foreach (var image in result.Images)
                {
                    encoded.Add(new GeneratedImage(ImageEncoder.Encode(image, format, request.OutputQuality), request.OutputFormat));
                }

                items.Add(encoded);
            }
        }

        return new GeneratedImages(items);
    }

    private static FluxModel Load(string model, string path)
    {
        var flux = FluxModel.Load(path);
        string expected = model.EndsWith("dev", StringComparison.Ordinal) ? "dev" : "schnell";
        if (flux.Variant != expected)
        {
            flux.Dispose();
            throw new InvalidOperationException($"The model at '{path}' is FLUX.1-{flux.Variant}, but it is installed as '{model}'.");
        }

        return flux;
    }

    private sealed class Progress(IProgress<StepProgress> inner) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => inner.Report(new StepProgress(value.Step, value.TotalSteps));
    }
}
