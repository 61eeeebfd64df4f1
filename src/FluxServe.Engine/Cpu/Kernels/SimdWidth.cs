namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>The register widths a generic kernel is instantiated for, narrowest first.</summary>
internal enum SimdWidth
{
    /// <summary><see cref="SimdF1"/>: one float at a time.</summary>
    Scalar,
    /// <summary><see cref="SimdF128"/>.</summary>
    W128,
    /// <summary><see cref="SimdF256"/>.</summary>
    W256,
    /// <summary><see cref="SimdF512"/>.</summary>
    W512,
}
