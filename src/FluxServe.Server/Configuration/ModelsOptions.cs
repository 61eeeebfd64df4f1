namespace FluxServe.Server.Configuration;

/// <summary>Where model weights are found (section <c>Models</c>); read by the generators.</summary>
public sealed class ModelsOptions
{
    /// <summary>Folders searched for checkpoints, in order.</summary>
    public IList<string> Folders { get; } = [];

    /// <summary>LoRA adapters kept loaded by the FLUX.1 [dev] generator (least recently used ones are dropped).</summary>
    public int CachedLoras { get; set; } = 8;
}
