namespace FluxServe.Server.Configuration;

/// <summary>Where model weights are found (section <c>Models</c>); read by the generators.</summary>
public sealed class ModelsOptions
{
    /// <summary>Folders searched for checkpoints, in order.</summary>
    public IList<string> Folders { get; } = [];
}
