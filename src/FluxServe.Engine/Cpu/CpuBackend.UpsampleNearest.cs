using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Any dtype. Each input row is widened once (every element repeated <paramref name="factor"/> times) and that
    /// output row is then copied <paramref name="factor"/> − 1 more times. Planes run in parallel.
    /// </remarks>
    public Tensor UpsampleNearest(Tensor x, int factor)
    {
        TensorChecks.RequireCpu(x, nameof(x));
        TensorChecks.RequireRank(x, 4, nameof(x), "[B, C, H, W]");
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        int height = x.Shape[2], width = x.Shape[3];
        var y = Allocate([x.Shape[0], x.Shape[1], checked(height * factor), checked(width * factor)], x.DType, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        int planes = x.Shape[0] * x.Shape[1];
        long work = (long)height * width * factor * factor;
        switch (x.DType.SizeOf())
        {
            case 1: ParallelRange.For(planes, work, new UpsamplePlanes<byte>(x.Pointer, y.Pointer, height, width, factor)); break;
            case 2: ParallelRange.For(planes, work, new UpsamplePlanes<ushort>(x.Pointer, y.Pointer, height, width, factor)); break;
            case 4: ParallelRange.For(planes, work, new UpsamplePlanes<uint>(x.Pointer, y.Pointer, height, width, factor)); break;
            default: ParallelRange.For(planes, work, new UpsamplePlanes<ulong>(x.Pointer, y.Pointer, height, width, factor)); break;
        }

        return y;
    }

    private readonly unsafe struct UpsamplePlanes<TElement>(nint x, nint y, int height, int width, int factor) : IRangeBody
        where TElement : unmanaged
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int outWidth = width * factor;
            for (long plane = start; plane < end; plane++)
            {
                TElement* source = (TElement*)x + (plane * height * width);
                TElement* destination = (TElement*)y + (plane * height * width * factor * factor);
                for (int row = 0; row < height; row++)
                {
                    TElement* input = source + ((long)row * width);
                    TElement* first = destination + ((long)row * factor * outWidth);
                    for (int col = 0; col < width; col++)
                    {
                        TElement value = input[col];
                        TElement* run = first + ((long)col * factor);
                        for (int k = 0; k < factor; k++)
                        {
                            run[k] = value;
                        }
                    }

                    var widened = new ReadOnlySpan<TElement>(first, outWidth);
                    for (int k = 1; k < factor; k++)
                    {
                        widened.CopyTo(new Span<TElement>(first + ((long)k * outWidth), outWidth));
                    }
                }
            }
        }
    }
}
