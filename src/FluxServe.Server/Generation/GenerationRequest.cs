namespace FluxServe.Server.Generation;

/// <summary>One forward pass: settings shared by a batch of jobs and one <see cref="GenerationItem"/> per job.</summary>
/// <param name="Model">Base model (<c>flux-schnell</c>, <c>flux-dev</c>).</param>
/// <param name="Width">Image width in pixels (a multiple of 16).</param>
/// <param name="Height">Image height in pixels (a multiple of 16).</param>
/// <param name="Steps">Denoising steps (ComfyUI KSampler <c>steps</c>).</param>
/// <param name="Sampler">ComfyUI sampler name (the API's <c>euler_pp</c> arrives as <c>euler_cfg_pp</c>).</param>
/// <param name="Scheduler">ComfyUI scheduler name.</param>
/// <param name="Denoise">KSampler <c>denoise</c>, 0..1.</param>
/// <param name="Guidance">Distilled guidance for dev models (ignored by schnell).</param>
/// <param name="OutputFormat">The encoding the client asked for.</param>
/// <param name="OutputQuality">Quality 0..100 for lossy formats.</param>
/// <param name="Items">The jobs of the batch.</param>
/// <param name="Lora">The LoRA of a LoRA endpoint's batch (shared by its jobs: the batch key holds it), else null.</param>
public sealed record GenerationRequest(
    string Model,
    int Width,
    int Height,
    int Steps,
    string Sampler,
    string Scheduler,
    double Denoise,
    double Guidance,
    ImageFormat OutputFormat,
    int OutputQuality,
    IReadOnlyList<GenerationItem> Items,
    LoraSelection? Lora = null);
