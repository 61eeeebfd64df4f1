namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>How the B operand of <see cref="Sgemm"/> is stored.</summary>
public enum GemmBLayout : byte
{
    /// <summary>Row-major [K, N]: element (k, n) at <c>b[k·ldb + n]</c>; <c>C = A·B</c>.</summary>
    KByN,

    /// <summary>
    /// Row-major [N, K], PyTorch's Linear weight layout: element (k, n) at <c>b[n·ldb + k]</c>; <c>C = A·Bᵀ</c>
    /// with B the stored matrix.
    /// </summary>
    NByK,
}
