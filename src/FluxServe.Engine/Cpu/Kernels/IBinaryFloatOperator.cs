namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>An element-wise function of two floats, specialised by the JIT for every register width.</summary>
internal interface IBinaryFloatOperator
{
    /// <summary>Applies the function lane by lane.</summary>
    static abstract T Invoke<T>(T left, T right)
        where T : struct, ISimdFloat<T>;
}
