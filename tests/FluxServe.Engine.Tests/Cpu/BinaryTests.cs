using FluxServe.Engine.Cpu;

namespace FluxServe.Engine.Tests.Cpu;

[Collection(SimdWidthCollection.Name)]
public sealed class BinaryTests
{
    public static TheoryData<int> Widths => SimdWidthCollection.Widths;

    private static CpuBackend Cpu => CpuBackend.Instance;

    // Equal shapes, scalars, rank differences, broadcasts on both sides, inner and outer broadcast dimensions,
    // size-1 everything, and big ones for the threaded and long-row paths.
    private static readonly (int[] A, int[] B)[] s_cases =
    [
        ([1], [1]),
        ([7], [7]),
        ([37], [1]),
        ([1], [37]),
        ([], [5]),
        ([4, 5], []),
        ([3, 1], [1, 4]),
        ([2, 3, 17], [17]),
        ([2, 3, 17], [3, 1]),
        ([2, 1, 17], [1, 3, 17]),
        ([2, 5, 33], [2, 1, 33]),
        ([2, 4, 3, 5], [4, 1, 5]),
        ([1, 1, 1], [1, 1]),
        ([2, 3, 4, 5, 6], [3, 1, 5, 1]),
        ([3, 1, 2, 1], [1, 4, 1, 7]),
        ([2, 300, 1000], [2, 1, 1000]),
        ([1, 8, 40, 41], [8, 1, 1]),
        ([40_000], [40_000]),
        ([1], [70_001]),
    ];

    [Theory]
    [MemberData(nameof(Widths))]
    public void BroadcastsLikeNumPy(int width)
    {
        using var limit = SimdWidthCollection.Limit(width);
        int seed = 0;
        foreach (var (shapeA, shapeB) in s_cases)
        {
            using var a = TestTensors.Random(++seed, shapeA);
            using var b = TestTensors.Random(++seed, 0.5f, 2f, shapeB);
            foreach (var op in new[] { BinaryOp.Add, BinaryOp.Subtract, BinaryOp.Multiply, BinaryOp.Divide })
            {
                using var y = Cpu.Binary(a, b, op);
                var (shape, expected) = Reference(a, b, op);
                Assert.Equal(shape, y.Shape.ToArray());
                TestTensors.AssertClose(expected, y, 1e-7, 0);

                using var swapped = Cpu.Binary(b, a, op);
                var (_, expectedSwapped) = Reference(b, a, op);
                TestTensors.AssertClose(expectedSwapped, swapped, 1e-7, 0);
            }
        }
    }

    [Fact]
    public void OperatorsForwardToTheBackend()
    {
        using var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        using var b = Tensor.FromArray([10f, 20f], 2);
        using var sum = a + b;
        using var difference = a - b;
        using var product = a * b;
        using var quotient = a / b;
        Assert.Equal([11f, 22f, 13f, 24f], sum.ToArray<float>());
        Assert.Equal([-9f, -18f, -7f, -16f], difference.ToArray<float>());
        Assert.Equal([10f, 40f, 30f, 80f], product.ToArray<float>());
        Assert.Equal([0.1f, 0.1f, 0.3f, 0.2f], quotient.ToArray<float>());
    }

    [Fact]
    public void EmptyAndIncompatibleShapes()
    {
        using var empty = Tensor.Zeros([0, 3]);
        using var row = TestTensors.Random(1, 3);
        using var result = Cpu.Binary(empty, row, BinaryOp.Add);
        Assert.Equal([0, 3], result.Shape.ToArray());

        using var a = TestTensors.Random(1, 2, 3);
        using var b = TestTensors.Random(2, 2, 4);
        var error = Assert.Throws<ArgumentException>(() => Cpu.Binary(a, b, BinaryOp.Add));
        Assert.Contains("[2, 3]", error.Message, StringComparison.Ordinal);
        using var ints = Tensor.Zeros([2, 3], DType.I32);
        Assert.Throws<ArgumentException>(() => Cpu.Binary(a, ints, BinaryOp.Add));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Binary(a, a, (BinaryOp)9));
    }

    /// <summary>Broadcasting by its definition: each output index maps to the operand index with broadcast dims at 0.</summary>
    private static (int[] Shape, double[] Values) Reference(Tensor a, Tensor b, BinaryOp op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        int[] sa = Pad(a.Shape, rank), sb = Pad(b.Shape, rank);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = Math.Max(sa[i], sb[i]);
        }

        long[] stA = TestTensors.Strides(sa), stB = TestTensors.Strides(sb);
        double[] va = TestTensors.Values(a), vb = TestTensors.Values(b);
        double[] result = new double[Tensor.ComputeLength(shape)];
        int[] index = new int[rank];
        for (long n = 0; n < result.Length; n++)
        {
            long rem = n, ia = 0, ib = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d] = (int)(rem % shape[d]);
                rem /= shape[d];
                ia += (sa[d] == 1 ? 0 : index[d]) * stA[d];
                ib += (sb[d] == 1 ? 0 : index[d]) * stB[d];
            }

            float x = (float)va[ia], y = (float)vb[ib];
            result[n] = op switch
            {
                BinaryOp.Add => x + y,
                BinaryOp.Subtract => x - y,
                BinaryOp.Multiply => x * y,
                _ => x / y,
            };
        }

        return (shape, result);
    }

    private static int[] Pad(ReadOnlySpan<int> shape, int rank)
    {
        int[] padded = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int j = i - (rank - shape.Length);
            padded[i] = j >= 0 ? shape[j] : 1;
        }

        return padded;
    }
}
