using FluxServe.Engine.Cpu.Gemm;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>
/// One GEMM problem with random operands (B stored in any float dtype and either layout, every matrix with padded
/// row strides) and a scalar reference that accumulates in double from the widened B values.
/// </summary>
internal sealed unsafe class GemmCase
{
    public GemmCase(int m, int n, int k, DType bType, GemmBLayout layout, int seed, bool withBias = false, int pad = 3)
    {
        M = m;
        N = n;
        K = k;
        BType = bType;
        Layout = layout;
        Lda = k + pad;
        Ldb = (layout == GemmBLayout.KByN ? n : k) + pad;
        Ldc = n + pad;
        var random = new Random(seed);
        A = new float[Math.Max(1, (m * Lda) + 1)];
        for (int i = 0; i < A.Length; i++)
        {
            A[i] = (float)((random.NextDouble() * 2) - 1);
        }

        int bRows = layout == GemmBLayout.KByN ? k : n;
        float[] bValues = new float[Math.Max(1, bRows * Ldb)];
        for (int i = 0; i < bValues.Length; i++)
        {
            bValues[i] = (float)((random.NextDouble() * 2) - 1);
        }

        BBytes = new byte[bValues.Length * bType.SizeOf()];
        FloatConversion.FromSingle(bValues, bType, BBytes);
        BWidened = new float[bValues.Length];
        FloatConversion.ToSingle(bType, BBytes, BWidened);
        Bias = withBias ? Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray() : null;
        InitialC = new float[Math.Max(1, m * Ldc)];
        for (int i = 0; i < InitialC.Length; i++)
        {
            InitialC[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    public DType BType { get; }

    public GemmBLayout Layout { get; }

    public int Lda { get; }

    public int Ldb { get; }

    public int Ldc { get; }

    public float[] A { get; }

    public byte[] BBytes { get; }

    public float[] BWidened { get; }

    public float[]? Bias { get; }

    public float[] InitialC { get; }

    public float B(int kk, int nn) => Layout == GemmBLayout.KByN ? BWidened[(kk * Ldb) + nn] : BWidened[(nn * Ldb) + kk];

    /// <summary>Runs the engine's GEMM on a copy of <see cref="InitialC"/>.</summary>
    public float[] Run(GemmIsa isa, int maxThreads, Activation activation = Activation.None, float alpha = 1f, bool accumulate = false)
    {
        float[] c = (float[])InitialC.Clone();
        fixed (float* a = A)
        fixed (byte* b = BBytes)
        fixed (float* cp = c)
        fixed (float* bias = Bias)
        {
            Sgemm.MultiplyCore(M, N, K, a, Lda, b, Ldb, BType, Layout, cp, Ldc, bias, activation, alpha, accumulate, isa, maxThreads);
        }

        return c;
    }

    /// <summary>
    /// Asserts <paramref name="actual"/> against the double reference: each element within a float32 accumulation
    /// bound (k·2⁻²³·Σ|a·b| plus a few ulps of the result), and the padding between rows untouched.
    /// </summary>
    public void AssertMatches(float[] actual, Activation activation = Activation.None, float alpha = 1f, bool accumulate = false, string label = "")
    {
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = 0;
                double magnitude = 0;
                for (int kk = 0; kk < K; kk++)
                {
                    double product = (double)A[(i * Lda) + kk] * B(kk, j);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                double pre = (alpha * sum) + (accumulate ? InitialC[(i * Ldc) + j] : 0) + (Bias?[j] ?? 0);
                double expected = ActivationReference(pre, activation);
                double tolerance = (((K + 2) * Math.Pow(2, -23) * ((Math.Abs(alpha) * magnitude) + Math.Abs(pre))) * 1.5) + (4e-6 * Math.Abs(expected)) + 1e-30;
                float got = actual[(i * Ldc) + j];
                if (!(Math.Abs(got - expected) <= tolerance))
                {
                    Assert.Fail($"{label} C[{i},{j}] = {got}, expected {expected} ± {tolerance:G3} (m={M} n={N} k={K} {BType} {Layout} {activation} alpha={alpha} accumulate={accumulate})");
                }
            }

            for (int j = N; j < Ldc && (i * Ldc) + j < actual.Length; j++)
            {
                Assert.Equal(InitialC[(i * Ldc) + j], actual[(i * Ldc) + j]);
            }
        }
    }

    public override string ToString() => $"[{M}x{K}]·{Layout}[{K}x{N}] {BType}";

    private static double ActivationReference(double x, Activation activation) => activation switch
    {
        Activation.None => x,
        Activation.SiLU => x / (1 + Math.Exp(-x)),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x)))),
        Activation.GeluExact => 0.5 * x * (1 + ScalarReference.Erf(x / Math.Sqrt(2))),
        Activation.QuickGelu => x / (1 + Math.Exp(-1.702 * x)),
        Activation.Relu => Math.Max(x, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
