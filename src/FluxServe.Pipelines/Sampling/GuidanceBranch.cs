namespace FluxServe.Pipelines.Sampling;

/// <summary>Which conditioning a model pass uses.</summary>
public enum GuidanceBranch
{
    /// <summary>The prompt's conditioning.</summary>
    Positive,

    /// <summary>The negative (unconditional) conditioning; FluxServe encodes the empty prompt.</summary>
    Negative,
}
