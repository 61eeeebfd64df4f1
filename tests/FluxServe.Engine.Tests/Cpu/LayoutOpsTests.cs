using FluxServe.Engine.Cpu;

namespace FluxServe.Engine.Tests.Cpu;

/// <summary>Concat, Slice and Permute: element moves for every element size, checked index by index.</summary>
public sealed class LayoutOpsTests
{
    private static readonly DType[] s_dtypes = [DType.F32, DType.BF16, DType.I64, DType.U8];

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void PermuteMovesEveryElementToItsPermutedIndex()
    {
        (int[] Shape, int[] Dims)[] cases =
        [
            ([5], [0]),
            ([3, 4], [1, 0]),
            ([3, 4], [0, 1]),
            ([2, 3, 4], [0, 2, 1]),
            ([2, 3, 4], [2, 0, 1]),
            ([2, 3, 4], [1, 0, 2]),
            ([1, 5, 1, 7], [3, 2, 0, 1]),
            ([2, 7, 3, 5], [0, 2, 1, 3]),     // [B, L, H, D] -> [B, H, L, D]
            ([2, 3, 33, 17], [0, 1, 3, 2]),   // transpose of the last two, tiles with tails
            ([2, 3, 4, 5, 6], [4, 2, 0, 3, 1]),
            ([1, 64, 37, 40], [0, 2, 3, 1]),  // NCHW -> NHWC, big enough for threads
            ([3, 1, 1], [2, 1, 0]),
        ];
        int seed = 0;
        foreach (var dtype in s_dtypes)
        {
            foreach (var (shape, dims) in cases)
            {
                using var x = RandomBytes(++seed, dtype, shape);
                using var y = Cpu.Permute(x, dims);
                int[] expectedShape = [.. dims.Select(d => shape[d])];
                Assert.Equal(expectedShape, y.Shape.ToArray());
                Assert.Equal(dtype, y.DType);

                long[] inStrides = TestTensors.Strides(shape);
                int size = dtype.SizeOf();
                byte[] xb = x.AsBytes().ToArray(), yb = y.AsBytes().ToArray();
                for (long n = 0; n < y.Length; n++)
                {
                    long rem = n, source = 0;
                    for (int i = expectedShape.Length - 1; i >= 0; i--)
                    {
                        source += rem % expectedShape[i] * inStrides[dims[i]];
                        rem /= expectedShape[i];
                    }

                    Assert.True(xb.AsSpan((int)(source * size), size).SequenceEqual(yb.AsSpan((int)(n * size), size)), $"{dtype} {Tensor.FormatShape(shape)} by ({string.Join(",", dims)}): element {n}");
                }
            }
        }
    }

    [Fact]
    public void PermuteRejectsNonPermutations()
    {
        using var x = Tensor.Zeros([2, 3, 4]);
        Assert.Throws<ArgumentException>(() => Cpu.Permute(x, [0, 1]));
        Assert.Throws<ArgumentException>(() => Cpu.Permute(x, [0, 1, 1]));
        Assert.Throws<ArgumentException>(() => Cpu.Permute(x, [0, 1, 3]));
        Assert.Throws<ArgumentException>(() => Cpu.Permute(x, [-1, 0, 1]));
    }

    [Fact]
    public void SliceCopiesTheRangeAlongAnyDimension()
    {
        int seed = 100;
        foreach (var dtype in s_dtypes)
        {
            foreach (var (shape, dim, start, length) in new (int[], int, int, int)[]
            {
                ([7], 0, 2, 3), ([7], 0, 0, 7), ([7], 0, 7, 0), ([4, 5], 1, 1, 3), ([4, 5], 0, 3, 1), ([2, 3, 9], -1, 4, 5),
                ([2, 3, 9], 1, 1, 2), ([3, 600, 300], 1, 100, 400),
            })
            {
                using var x = RandomBytes(++seed, dtype, shape);
                using var y = Cpu.Slice(x, dim, start, length);
                int d = dim < 0 ? dim + shape.Length : dim;
                int[] expectedShape = (int[])shape.Clone();
                expectedShape[d] = length;
                Assert.Equal(expectedShape, y.Shape.ToArray());
                AssertElements(y, expectedShape, x, shape, (index, sourceIndex) =>
                {
                    index.CopyTo(sourceIndex, 0);
                    sourceIndex[d] += start;
                });
            }
        }
    }

    [Fact]
    public void SliceRejectsRangesOutsideTheDimension()
    {
        using var x = Tensor.Zeros([2, 5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Slice(x, 1, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Slice(x, 1, -1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Slice(x, 1, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Slice(x, 2, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Slice(x, 1, int.MaxValue, 2));
    }

    [Fact]
    public void ConcatJoinsPartsAlongAnyDimension()
    {
        int seed = 200;
        foreach (var dtype in s_dtypes)
        {
            foreach (var (shapes, dim) in new (int[][], int)[]
            {
                ([[3], [4]], 0),
                ([[2, 3], [2, 1], [2, 0], [2, 5]], 1),
                ([[1, 3, 4], [2, 3, 4]], 0),
                ([[2, 3, 4], [2, 5, 4], [2, 1, 4]], -2),
                ([[2, 3, 4], [2, 3, 7]], 2),
                ([[1, 100, 3072], [1, 900, 3072]], 1),   // text tokens then image tokens
            })
            {
                var parts = shapes.Select(s => RandomBytes(++seed, dtype, s)).ToList();
                try
                {
                    using var y = Cpu.Concat(parts, dim);
                    int d = dim < 0 ? dim + shapes[0].Length : dim;
                    int[] expectedShape = (int[])shapes[0].Clone();
                    expectedShape[d] = shapes.Sum(s => s[d]);
                    Assert.Equal(expectedShape, y.Shape.ToArray());

                    // Each output element comes from the part whose range along d holds its index.
                    int size = dtype.SizeOf();
                    byte[] yb = y.AsBytes().ToArray();
                    long[] outStrides = TestTensors.Strides(expectedShape);
                    int offset = 0;
                    foreach (var part in parts)
                    {
                        byte[] pb = part.AsBytes().ToArray();
                        int[] ps = part.Shape.ToArray();
                        for (long n = 0; n < part.Length; n++)
                        {
                            long rem = n, target = 0;
                            for (int i = ps.Length - 1; i >= 0; i--)
                            {
                                long index = rem % ps[i];
                                rem /= ps[i];
                                target += (i == d ? index + offset : index) * outStrides[i];
                            }

                            Assert.True(pb.AsSpan((int)(n * size), size).SequenceEqual(yb.AsSpan((int)(target * size), size)));
                        }

                        offset += ps[d];
                    }
                }
                finally
                {
                    parts.ForEach(p => p.Dispose());
                }
            }
        }
    }

    [Fact]
    public void ConcatRejectsMismatchedParts()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([3, 3]);
        using var c = Tensor.Zeros([2, 3], DType.BF16);
        using var d = Tensor.Zeros([2, 3, 1]);
        Assert.Throws<ArgumentException>(() => Cpu.Concat([a, b], 1));
        Assert.Throws<ArgumentException>(() => Cpu.Concat([a, c], 0));
        Assert.Throws<ArgumentException>(() => Cpu.Concat([a, d], 0));
        Assert.Throws<ArgumentException>(() => Cpu.Concat([], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.Concat([a, a], 2));
    }

    private static Tensor RandomBytes(int seed, DType dtype, int[] shape)
    {
        var t = Tensor.Empty(shape, dtype);
        new Random(seed).NextBytes(t.AsBytes());
        return t;
    }

    private static void AssertElements(Tensor y, int[] shape, Tensor x, int[] sourceShape, Action<int[], int[]> map)
    {
        int size = y.DType.SizeOf();
        byte[] xb = x.AsBytes().ToArray(), yb = y.AsBytes().ToArray();
        long[] sourceStrides = TestTensors.Strides(sourceShape);
        int[] index = new int[shape.Length], sourceIndex = new int[shape.Length];
        for (long n = 0; n < y.Length; n++)
        {
            long rem = n;
            for (int i = shape.Length - 1; i >= 0; i--)
            {
                index[i] = (int)(rem % shape[i]);
                rem /= shape[i];
            }

            map(index, sourceIndex);
            long source = 0;
            for (int i = 0; i < shape.Length; i++)
            {
                source += sourceIndex[i] * sourceStrides[i];
            }

            Assert.True(xb.AsSpan((int)(source * size), size).SequenceEqual(yb.AsSpan((int)(n * size), size)), $"element {n}");
        }
    }
}
