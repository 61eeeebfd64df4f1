namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// One validated GEMM: <c>C[m, n] = act(alpha · A·op(B) + (accumulate ? C : 0) + bias)</c> (see
/// <see cref="Sgemm"/>).
/// </summary>
internal unsafe struct GemmProblem
{
    public int M;
    public int N;
    public int K;
    public float* A;
    public nint Lda;
    public byte* B;
    public nint Ldb;
    public DType BType;
    public GemmBLayout BLayout;
    public float* C;
    public nint Ldc;
    public float* Bias;
    public Activation Activation;
    public float Alpha;
    public bool Accumulate;

    /// <summary>2·m·n·k.</summary>
    public readonly double Flops => 2.0 * M * N * K;
}
