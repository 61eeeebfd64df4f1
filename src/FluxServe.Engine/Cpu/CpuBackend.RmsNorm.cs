using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// mean(x²) in float registers with double block sums; y = (x·rsqrt(mean + eps))·weight, the order of T5's
    /// and BFL's QK norm (normalise first, then scale).
    /// </remarks>
    public Tensor RmsNorm(Tensor x, Tensor weight, float eps)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        TensorChecks.RequireFloat32(weight, nameof(weight));
        if (x.Rank == 0)
        {
            TensorChecks.Throw(nameof(x), "RmsNorm needs at least one dimension.");
        }

        int d = x.Shape[^1];
        TensorChecks.RequireVector(weight, d, nameof(weight));
        var y = Allocate(x.Shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        unsafe
        {
            var args = new RmsNormRows { X = (float*)x.Pointer, Y = (float*)y.Pointer, Weight = (float*)weight.Pointer, Length = d, Eps = eps };
            int rows = checked((int)(x.Length / d));
            switch (KernelDispatch.Width)
            {
                case SimdWidth.W512: ParallelRange.For(rows, 3L * d, new RmsNormRows<SimdF512>(args)); break;
                case SimdWidth.W256: ParallelRange.For(rows, 3L * d, new RmsNormRows<SimdF256>(args)); break;
                case SimdWidth.W128: ParallelRange.For(rows, 3L * d, new RmsNormRows<SimdF128>(args)); break;
                default: ParallelRange.For(rows, 3L * d, new RmsNormRows<SimdF1>(args)); break;
            }
        }

        return y;
    }

    private unsafe struct RmsNormRows
    {
        public float* X;
        public float* Y;
        public float* Weight;
        public int Length;
        public float Eps;
    }

    private readonly unsafe struct RmsNormRows<T>(RmsNormRows args) : IRangeBody
        where T : struct, ISimdFloat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int d = args.Length;
            for (int r = start; r < end; r++)
            {
                ref float x = ref Unsafe.AsRef<float>(args.X + ((long)r * d));
                ref float y = ref Unsafe.AsRef<float>(args.Y + ((long)r * d));
                double meanSquare = RowKernels<T>.SumOfSquares(in x, d, 0f) / d;
                float scale = (float)(1 / Math.Sqrt(meanSquare + args.Eps));
                RowKernels<T>.ScaleMultiply(in x, ref y, in *args.Weight, d, scale);
            }
        }
    }
}
