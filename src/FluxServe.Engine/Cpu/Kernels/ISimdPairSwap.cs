namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>Registers of at least two lanes that can exchange each even lane with the odd lane after it.</summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface ISimdPairSwap<TSelf>
    where TSelf : struct, ISimdFloat<TSelf>, ISimdPairSwap<TSelf>
{
    /// <summary>[v1, v0, v3, v2, ...].</summary>
    static abstract TSelf SwapPairs(TSelf value);
}
