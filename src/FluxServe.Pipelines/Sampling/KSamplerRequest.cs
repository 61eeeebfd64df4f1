namespace FluxServe.Pipelines.Sampling;

/// <summary>The inputs of one KSampler run (ComfyUI's <c>comfy.sample.sample</c> with the KSampler node's arguments).</summary>
public sealed class KSamplerRequest
{
    /// <summary>A request for <paramref name="steps"/> steps of <paramref name="sampler"/> on <paramref name="scheduler"/>.</summary>
    public KSamplerRequest(FlowModelSampling modelSampling, string sampler, string scheduler, int steps, LatentShape shape, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(modelSampling);
        ModelSampling = modelSampling;
        Sampler = sampler;
        Scheduler = scheduler;
        Steps = steps;
        Shape = shape;
        Seed = seed;
    }

    /// <summary>schnell or dev model sampling.</summary>
    public FlowModelSampling ModelSampling { get; }

    /// <summary>A name of <see cref="SamplerCatalog.AcceptedNames"/>.</summary>
    public string Sampler { get; }

    /// <summary>A name of <see cref="SigmaSchedules.Names"/>.</summary>
    public string Scheduler { get; }

    /// <summary>Sampling steps (≥ 1).</summary>
    public int Steps { get; }

    /// <summary>1 = from pure noise; below 1 the last part of a longer schedule (img2img).</summary>
    public double Denoise { get; init; } = 1.0;

    /// <summary>The latent batch shape.</summary>
    public LatentShape Shape { get; }

    /// <summary>The request seed (the start noise is drawn by the caller; samplers derive their own noise from it).</summary>
    public ulong Seed { get; }

    /// <summary>Per-step reports, or null.</summary>
    public SamplerStepCallback? StepCallback { get; init; }
}
