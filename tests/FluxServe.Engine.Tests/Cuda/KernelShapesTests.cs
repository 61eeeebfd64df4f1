using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

/// <summary>
/// Runs everywhere: the host-side index planning the CUDA kernels rely on, checked against a direct evaluation of
/// the index arithmetic the kernels do (common.cuh, elementwise.cu, layout.cu) over every element.
/// </summary>
public sealed class KernelShapesTests
{
    public static TheoryData<int[], int[]> BroadcastCases => new()
    {
        { [3, 5, 7], [3, 5, 7] },
        { [4, 33], [33] },
        { [2, 5, 7], [2, 1, 7] },
        { [3, 1, 5], [1, 4, 1] },
        { [1], [6, 2] },
        { [2, 1, 3, 1, 5], [4, 1, 2, 5] },
        { [1, 1, 3072], [1, 4096, 3072] },
        { [7], [1] },
    };

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void BroadcastPlanAddressesEveryElementLikeNumPy(int[] a, int[] b)
    {
        int[] output = KernelShapes.BroadcastShapeOf(a, b)!;
        Assert.NotNull(output);
        var plan = KernelShapes.Broadcast(output, a, b);
        Assert.InRange(plan.Rank, 1, KernelShapes.MaxDims);
        long n = Tensor.ComputeLength(output);
        for (long i = 0; i < n; i++)
        {
            var (ia, ib) = KernelIndex(plan, i);
            Assert.Equal(NumPyOffset(output, a, i), ia);
            Assert.Equal(NumPyOffset(output, b, i), ib);
        }
    }

    [Fact]
    public void BroadcastCollapsesContiguousDimensions()
    {
        var same = KernelShapes.Broadcast([3, 5, 7], [3, 5, 7], [3, 5, 7]);
        Assert.Equal(1, same.Rank);
        Assert.Equal(105, same.Size[0]);
        var rows = KernelShapes.Broadcast([2, 4096, 3072], [2, 4096, 3072], [2, 1, 3072]);
        Assert.Equal(3, rows.Rank);
    }

    [Fact]
    public void IncompatibleShapesDoNotBroadcast() => Assert.Null(KernelShapes.BroadcastShapeOf([3, 4], [5, 4]));

    public static TheoryData<int[], int[], int> PermuteCases => new()
    {
        { [2, 3, 4, 5], [0, 2, 1, 3], 4 },
        { [2, 3, 4, 5], [3, 2, 1, 0], 2 },
        { [1, 33, 3, 4, 64], [2, 0, 3, 1, 4], 2 },
        { [1, 4, 33, 64], [0, 2, 1, 3], 2 },
        { [6, 1, 7], [1, 2, 0], 1 },
        { [5, 8], [1, 0], 8 },
        { [3, 7, 2], [0, 1, 2], 4 },
    };

    [Theory]
    [MemberData(nameof(PermuteCases))]
    public void PermutePlanReadsTheRightSourceElement(int[] shape, int[] dims, int elementSize)
    {
        var (unit, plan) = KernelShapes.Permute(shape, dims, elementSize, 256);
        Assert.Equal(0, unit % elementSize);
        int ratio = unit / elementSize;
        int[] output = [.. dims.Select(d => shape[d])];
        long n = Tensor.ComputeLength(shape);
        long[] inputStrides = Strides(shape);
        for (long i = 0; i < n; i++)
        {
            // The kernel copies unit i / ratio from source unit `offset`; element i is at element offset·ratio + i % ratio.
            long unitIndex = i / ratio;
            long offset = 0, rest = unitIndex;
            for (int d = plan.Rank - 1; d >= 0; d--)
            {
                offset += rest % plan.Size[d] * plan.Stride[d];
                rest /= plan.Size[d];
            }

            long sourceElement = (offset * ratio) + (i % ratio);
            long expected = 0, r = i;
            for (int d = output.Length - 1; d >= 0; d--)
            {
                expected += r % output[d] * inputStrides[dims[d]];
                r /= output[d];
            }

            Assert.Equal(expected, sourceElement);
        }
    }

    [Fact]
    public void PermuteWidensTheUnitWhenTheInnerRunIsContiguous()
    {
        var (unit, _) = KernelShapes.Permute([1, 33, 3, 4, 64], [2, 0, 3, 1, 4], 2, 256);
        Assert.Equal(16, unit);
        var (narrow, _) = KernelShapes.Permute([1, 33, 3, 4, 64], [2, 0, 3, 1, 4], 2, 2);
        Assert.Equal(2, narrow);
    }

    [Fact]
    public void ShapeStructsHaveTheLayoutOfTheirCudaMirrors()
    {
        // struct BroadcastShape / PermuteShape in common.cuh: int rank, int pad, then arrays of six 64-bit values.
        Assert.Equal(152, System.Runtime.CompilerServices.Unsafe.SizeOf<BroadcastShape>());
        Assert.Equal(104, System.Runtime.CompilerServices.Unsafe.SizeOf<PermuteShape>());
        Assert.Equal(8, (int)System.Runtime.InteropServices.Marshal.OffsetOf<BroadcastShape>(nameof(BroadcastShape.Size)));
        Assert.Equal(56, (int)System.Runtime.InteropServices.Marshal.OffsetOf<BroadcastShape>(nameof(BroadcastShape.StrideA)));
    }

    [Fact]
    public void CopyUnitIsTheWidestCommonPowerOfTwo()
    {
        Assert.Equal(16, KernelShapes.CopyUnit(64, 4096, 256));
        Assert.Equal(2, KernelShapes.CopyUnit(6, 16));
        Assert.Equal(1, KernelShapes.CopyUnit(3));
    }

    private static (long A, long B) KernelIndex(in BroadcastShape s, long i)
    {
        long rest = i, ia = 0, ib = 0;
        for (int d = s.Rank - 1; d >= 0; d--)
        {
            long index = rest % s.Size[d];
            rest /= s.Size[d];
            ia += index * s.StrideA[d];
            ib += index * s.StrideB[d];
        }

        return (ia, ib);
    }

    private static long NumPyOffset(int[] output, int[] input, long i)
    {
        long[] strides = Strides(input);
        long offset = 0, rest = i;
        for (int d = output.Length - 1; d >= 0; d--)
        {
            long index = rest % output[d];
            rest /= output[d];
            int inputDim = d - (output.Length - input.Length);
            if (inputDim >= 0 && input[inputDim] != 1)
            {
                offset += index * strides[inputDim];
            }
        }

        return offset;
    }

    private static long[] Strides(int[] shape)
    {
        long[] strides = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }
}
