namespace FluxServe.Pipelines.Sampling;

/// <summary>ComfyUI's schedulers (<c>KSampler.SCHEDULERS</c>, current order), spec/sampling.md §4.</summary>
public enum SigmaScheduler
{
    /// <summary><c>simple</c>: evenly spaced table entries.</summary>
    Simple,

    /// <summary><c>sgm_uniform</c>: <c>linspace(t_max, t_min, n + 1)[:-1]</c> mapped to σ, then 0.</summary>
    SgmUniform,

    /// <summary><c>karras</c>: Karras et al. ρ = 7.</summary>
    Karras,

    /// <summary><c>exponential</c>: log-uniform.</summary>
    Exponential,

    /// <summary><c>ddim_uniform</c>: every ⌊T/n⌋-th table entry from index 1 (starts below 1 for flow models).</summary>
    DdimUniform,

    /// <summary><c>beta</c>: table indices at the Beta(0.6, 0.6) quantiles.</summary>
    Beta,

    /// <summary><c>normal</c>: <c>linspace(t_max, t_min, n)</c> mapped to σ, then 0.</summary>
    Normal,

    /// <summary><c>linear_quadratic</c>: the Mochi schedule (threshold 0.025).</summary>
    LinearQuadratic,

    /// <summary><c>kl_optimal</c>: <c>tan</c> interpolation of <c>atan σ</c>.</summary>
    KlOptimal,
}
