using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>Per row: m = max, y = e^(x − m), then y·(1/Σy) with the sum carried in double. Rows run in parallel.</remarks>
    public Tensor Softmax(Tensor x)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        if (x.Rank == 0)
        {
            TensorChecks.Throw(nameof(x), "Softmax needs at least one dimension.");
        }

        int d = x.Shape[^1];
        var y = Allocate(x.Shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        unsafe
        {
            var args = new SoftmaxRows { X = (float*)x.Pointer, Y = (float*)y.Pointer, Length = d };
            int rows = checked((int)(x.Length / d));
            switch (KernelDispatch.Width)
            {
                case SimdWidth.W512: ParallelRange.For(rows, 12L * d, new SoftmaxRows<SimdF512>(args)); break;
                case SimdWidth.W256: ParallelRange.For(rows, 12L * d, new SoftmaxRows<SimdF256>(args)); break;
                case SimdWidth.W128: ParallelRange.For(rows, 12L * d, new SoftmaxRows<SimdF128>(args)); break;
                default: ParallelRange.For(rows, 12L * d, new SoftmaxRows<SimdF1>(args)); break;
            }
        }

        return y;
    }

    private unsafe struct SoftmaxRows
    {
        public float* X;
        public float* Y;
        public int Length;
    }

    private readonly unsafe struct SoftmaxRows<T>(SoftmaxRows args) : IRangeBody
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
                float max = RowKernels<T>.Max(in x, d);
                double sum = RowKernels<T>.ExpShifted(in x, ref y, d, max);
                RowKernels<T>.ScaleShift(in y, ref y, d, (float)(1 / sum), 0f);
            }
        }
    }
}
