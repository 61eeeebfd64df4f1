namespace FluxServe.Engine.Tests.Cuda;

/// <summary>CUDA tests share one device stream and its memory counters: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CudaCollection
{
    public const string Name = "Cuda";
}
