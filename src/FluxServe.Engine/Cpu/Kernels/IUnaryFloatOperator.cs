namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>An element-wise float function, specialised by the JIT for every register width.</summary>
internal interface IUnaryFloatOperator
{
    /// <summary>Applies the function to every lane.</summary>
    static abstract T Invoke<T>(T x)
        where T : struct, ISimdFloat<T>;
}
