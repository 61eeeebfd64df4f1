using FluxServe.Engine.Cpu;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary><see cref="CpuBackend.Linear"/> and <see cref="CpuBackend.MatMul"/> against double references, and their argument checks.</summary>
public sealed class GemmLinearOpTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    [Theory]
    [InlineData(DType.F32, Activation.None, true)]
    [InlineData(DType.BF16, Activation.SiLU, true)]
    [InlineData(DType.F16, Activation.GeluTanh, false)]
    [InlineData(DType.F8E4M3FN, Activation.GeluExact, true)]
    [InlineData(DType.F8E5M2, Activation.Relu, false)]
    public void Linear_matches_x_times_W_transposed_plus_bias(DType weightType, Activation activation, bool withBias)
    {
        const int n = 37, k = 45;
        var random = new Random((int)weightType);
        using var x = Tensor.FromArray(Random(random, 2 * 5 * k), 2, 5, k);
        float[] w32 = Random(random, n * k);
        byte[] wBytes = new byte[n * k * weightType.SizeOf()];
        FloatConversion.FromSingle(w32, weightType, wBytes);
        float[] wWide = new float[n * k];
        FloatConversion.ToSingle(weightType, wBytes, wWide);
        using var typedWeight = Tensor.Empty([n, k], weightType);
        wBytes.CopyTo(typedWeight.AsBytes());
        float[] b = Random(random, n);
        using var bias = withBias ? Tensor.FromArray(b, n) : null;

        using var y = Cpu.Linear(x, typedWeight, bias, activation);

        Assert.Equal([2, 5, n], y.Shape.ToArray());
        float[] xs = x.ToArray<float>();
        float[] ys = y.ToArray<float>();
        for (int row = 0; row < 10; row++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = withBias ? b[j] : 0;
                for (int kk = 0; kk < k; kk++)
                {
                    sum += (double)xs[(row * k) + kk] * wWide[(j * k) + kk];
                }

                double expected = activation switch
                {
                    Activation.None => sum,
                    Activation.SiLU => sum / (1 + Math.Exp(-sum)),
                    Activation.GeluTanh => 0.5 * sum * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (sum + (0.044715 * sum * sum * sum)))),
                    Activation.GeluExact => 0.5 * sum * (1 + ScalarReference.Erf(sum / Math.Sqrt(2))),
                    _ => Math.Max(sum, 0),
                };
                Assert.True(Math.Abs(ys[(row * n) + j] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"y[{row},{j}] = {ys[(row * n) + j]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Linear_of_a_vector_and_of_zero_rows()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f], 3);
        using var w = Tensor.FromArray([1f, 0f, 0f, 0f, 1f, 1f], 2, 3);
        using var y = Cpu.Linear(x, w, null);
        Assert.Equal([2], y.Shape.ToArray());
        Assert.Equal([1f, 5f], y.ToArray<float>());

        using var empty = Tensor.Zeros([0, 3]);
        using var none = Cpu.Linear(empty, w, null);
        Assert.Equal([0, 2], none.Shape.ToArray());
    }

    [Fact]
    public void Linear_rejects_mismatched_shapes_and_dtypes_naming_them()
    {
        using var x = Tensor.Zeros([4, 8]);
        using var w = Tensor.Zeros([6, 7]);
        var e = Assert.Throws<ArgumentException>(() => Cpu.Linear(x, w, null));
        Assert.Contains("[4, 8]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[6, 7]", e.Message, StringComparison.Ordinal);

        using var w8 = Tensor.Zeros([6, 8]);
        using var badBias = Tensor.Zeros([5]);
        Assert.Contains("[6]", Assert.Throws<ArgumentException>(() => Cpu.Linear(x, w8, badBias)).Message, StringComparison.Ordinal);
        using var intWeight = Tensor.Zeros([6, 8], DType.I32);
        Assert.Throws<ArgumentException>(() => Cpu.Linear(x, intWeight, null));
        using var bf16x = Tensor.Zeros([4, 8], DType.BF16);
        Assert.Throws<ArgumentException>(() => Cpu.Linear(bf16x, w8, null));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatMul_multiplies_each_batch_item(bool transposeB)
    {
        const int m = 9, k = 21, n = 13;
        var random = new Random(transposeB ? 1 : 2);
        using var a = Tensor.FromArray(Random(random, 2 * 3 * m * k), 2, 3, m, k);
        using var b = transposeB ? Tensor.FromArray(Random(random, 2 * 3 * n * k), 2, 3, n, k) : Tensor.FromArray(Random(random, 2 * 3 * k * n), 2, 3, k, n);
        using var c = Cpu.MatMul(a, b, transposeB);
        Assert.Equal([2, 3, m, n], c.Shape.ToArray());
        float[] av = a.ToArray<float>(), bv = b.ToArray<float>(), cv = c.ToArray<float>();
        for (int item = 0; item < 6; item++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int kk = 0; kk < k; kk++)
                    {
                        float bk = transposeB ? bv[(item * n * k) + (j * k) + kk] : bv[(item * k * n) + (kk * n) + j];
                        sum += (double)av[(item * m * k) + (i * k) + kk] * bk;
                    }

                    Assert.True(Math.Abs(cv[(item * m * n) + (i * n) + j] - sum) <= 1e-5 * (1 + Math.Abs(sum)));
                }
            }
        }
    }

    [Fact]
    public void MatMul_rejects_mismatched_shapes_naming_them()
    {
        using var a = Tensor.Zeros([2, 4, 8]);
        using var b = Tensor.Zeros([3, 8, 5]);
        Assert.Contains("[3, 8, 5]", Assert.Throws<ArgumentException>(() => Cpu.MatMul(a, b)).Message, StringComparison.Ordinal);
        using var b2 = Tensor.Zeros([2, 7, 5]);
        var e = Assert.Throws<ArgumentException>(() => Cpu.MatMul(a, b2));
        Assert.Contains("K = 8", e.Message, StringComparison.Ordinal);
        Assert.Contains("K = 7", e.Message, StringComparison.Ordinal);
        using var vector = Tensor.Zeros([8]);
        Assert.Throws<ArgumentException>(() => Cpu.MatMul(vector, b));
    }

    private static float[] Random(Random random, int length)
    {
        float[] x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return x;
    }
}
