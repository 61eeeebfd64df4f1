namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// Vectorised float32 activations, used on their own (<see cref="IBackend.Activate"/>) and fused into GEMM
/// epilogues. Every width (AVX-512, AVX2, SSE/NEON, scalar) computes bit-identical results.
/// </summary>
/// <remarks>
/// Accuracy against the exact functions: SiLU, QuickGELU and tanh-GELU within a few ulp (computed as x/(1 + e^−y),
/// no cancellation for negative x); exact GELU within a few ulp for x ≥ −13 (its erfc tail keeps relative
/// accuracy), flushing to ±0 where x·Φ(x) underflows. NaN inputs give NaN.
/// </remarks>
public static class ActivationKernels
{
    /// <summary>Applies <paramref name="activation"/> to <paramref name="data"/> in place.</summary>
    public static void Apply(Span<float> data, Activation activation) => Apply(data, data, activation);

    /// <summary>
    /// Writes <paramref name="activation"/>(<paramref name="source"/>[i]) to <paramref name="destination"/>[i]. The spans
    /// may be the same memory but must not otherwise overlap.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public static void Apply(ReadOnlySpan<float> source, Span<float> destination, Activation activation)
    {
        switch (activation)
        {
            case Activation.None:
                if (destination.Length < source.Length)
                {
                    throw new ArgumentException($"The destination holds {destination.Length} elements, fewer than the {source.Length} of the source.", nameof(destination));
                }

                source.CopyTo(destination);
                break;
            case Activation.SiLU:
                ElementwiseMap.Run<SiluOperator>(source, destination);
                break;
            case Activation.GeluTanh:
                ElementwiseMap.Run<GeluTanhOperator>(source, destination);
                break;
            case Activation.GeluExact:
                ElementwiseMap.Run<GeluExactOperator>(source, destination);
                break;
            case Activation.QuickGelu:
                ElementwiseMap.Run<QuickGeluOperator>(source, destination);
                break;
            case Activation.Relu:
                ElementwiseMap.Run<ReluOperator>(source, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
