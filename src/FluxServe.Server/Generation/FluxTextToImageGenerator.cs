using FluxServe.Models.Lora;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;
using PipelineImages = FluxServe.Pipelines.TextToImage.GeneratedImages;

namespace FluxServe.Server.Generation;

/// <summary>
/// Serves <c>flux-schnell</c> or <c>flux-dev</c> with the real text-to-image pipeline on the CPU; on <c>flux-dev</c>
/// also every LoRA endpoint: the batch's LoRA is applied as a side path on the shared weights inside a
/// <see cref="LoraScope"/> (text encoders included), so one loaded FLUX.1 [dev] serves any number of LoRAs.
/// </summary>
public sealed class FluxTextToImageGenerator : IImageGenerator, IDisposable
{
    private readonly LoadedModels _models;
    private readonly string _variant;
    private readonly int _cachedLoras;
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Id, LoraAdapter Adapter)> _loras = new();

    /// <summary>A generator for <paramref name="model"/> reading the model found at <paramref name="path"/>.</summary>
    /// <param name="model"><c>flux-schnell</c> or <c>flux-dev</c>.</param>
    /// <param name="path">The model folder or file.</param>
    /// <param name="models">The process's loaded models (shared with other generators).</param>
    /// <param name="cachedLoras">LoRA adapters kept loaded (least recently used dropped first).</param>
    public FluxTextToImageGenerator(string model, string path, LoadedModels models, int cachedLoras = 8)
    {
        ArgumentNullException.ThrowIfNull(models);
        Model = model;
        Path = path;
        _models = models;
        _variant = model.EndsWith("dev", StringComparison.Ordinal) ? "dev" : "schnell";
        _cachedLoras = Math.Max(1, cachedLoras);
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
        lock (_gate)
        {
            foreach (var (_, adapter) in _loras)
            {
                adapter.Dispose();
            }

            _loras.Clear();
        }
    }

    private GeneratedImages Generate(GenerationRequest request, IProgress<StepProgress> progress, CancellationToken cancellationToken)
    {
        var flux = _models.Flux(Path, _variant);
        // One batch at a time: the LoRA cache is only changed between batches, never under a running one.
        lock (_gate)
        {
            using var scope = request.Lora is { } lora ? LoraScope.Begin(Adapter(flux, lora), (float)lora.Strength) : null;
            var pipeline = new TextToImagePipeline(flux);
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
                PipelineImages result;
                try
                {
                    result = pipeline.Generate(pipelineRequest, new PipelineProgress(progress), cancellationToken);
                }
                catch (ArgumentException ex)
                {
                    // Sizes and names are validated at submit; anything the pipeline still refuses is the client's to read.
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

    private LoraAdapter Adapter(FluxModel flux, LoraSelection lora)
    {
        if (_variant != "dev")
        {
            throw new GenerationRejectedException($"LoRA endpoints run on FLUX.1 [dev]; {Model} cannot apply one.");
        }

        for (var node = _loras.First; node is not null; node = node.Next)
        {
            if (node.Value.Id == lora.Id)
            {
                _loras.Remove(node);
                _loras.AddFirst(node);
                return node.Value.Adapter;
            }
        }

        if (!File.Exists(lora.FilePath))
        {
            throw new GenerationRejectedException($"The LoRA {lora.Id} is no longer registered on this server (its file is gone). The request was refunded.");
        }

        LoraAdapter adapter;
        try
        {
            adapter = LoraAdapter.Load(lora.FilePath, flux.Transformer.Config, flux.Transformer.Device);
        }
        catch (LoraFormatException error)
        {
            throw new GenerationRejectedException($"The LoRA {lora.Id} does not fit the installed FLUX.1 [dev]: {error.Message}", error);
        }

        _loras.AddFirst((lora.Id, adapter));
        while (_loras.Count > _cachedLoras)
        {
            _loras.Last!.Value.Adapter.Dispose();
            _loras.RemoveLast();
        }

        return adapter;
    }
}
