namespace FluxServe.Models.Redux;

/// <summary>Widths of the FLUX.1 Redux embedder (spec/redux.md §4): SigLIP width → 3·context → T5 context width.</summary>
public sealed record ReduxConfig
{
    /// <summary>Input width: the vision tower's hidden size (1152).</summary>
    public int VisionDim { get; init; } = 1152;

    /// <summary>Width of <c>redux_up</c>'s output (12288 = 3·4096).</summary>
    public int HiddenDim { get; init; } = 12288;

    /// <summary>Output width: the transformer's context width, T5's 4096.</summary>
    public int ContextDim { get; init; } = 4096;
}
