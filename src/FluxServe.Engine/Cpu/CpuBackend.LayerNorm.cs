using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Two passes per row (mean, then the sum of squared deviations) with block sums carried in double, so long
    /// rows stay accurate; then y = ((x − mean)·rstd)·w + b (subtracting first keeps rows with a large mean accurate). Rows run in parallel.
    /// </remarks>
    public Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        if (x.Rank == 0)
        {
            TensorChecks.Throw(nameof(x), "LayerNorm needs at least one dimension.");
        }

        int d = x.Shape[^1];
        if (weight is not null)
        {
            TensorChecks.RequireFloat32(weight, nameof(weight));
            TensorChecks.RequireVector(weight, d, nameof(weight));
        }

        if (bias is not null)
        {
            TensorChecks.RequireFloat32(bias, nameof(bias));
            TensorChecks.RequireVector(bias, d, nameof(bias));
        }

        var y = Allocate(x.Shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        // A missing half of the affine pair is the identity (PyTorch allows weight without bias and vice versa).
        float[]? ones = weight is null && bias is not null ? Filled(d, 1f) : null;
        float[]? zeros = weight is not null && bias is null ? Filled(d, 0f) : null;
        unsafe
        {
            fixed (float* onesPointer = ones, zerosPointer = zeros)
            {
                var body = new LayerNormRows
                {
                    X = (float*)x.Pointer,
                    Y = (float*)y.Pointer,
                    Weight = weight is not null ? (float*)weight.Pointer : onesPointer,
                    Bias = bias is not null ? (float*)bias.Pointer : zerosPointer,
                    Length = d,
                    Eps = eps,
                };
                int rows = checked((int)(x.Length / d));
                switch (KernelDispatch.Width)
                {
                    case SimdWidth.W512: ParallelRange.For(rows, 5L * d, new LayerNormRows<SimdF512>(body)); break;
                    case SimdWidth.W256: ParallelRange.For(rows, 5L * d, new LayerNormRows<SimdF256>(body)); break;
                    case SimdWidth.W128: ParallelRange.For(rows, 5L * d, new LayerNormRows<SimdF128>(body)); break;
                    default: ParallelRange.For(rows, 5L * d, new LayerNormRows<SimdF1>(body)); break;
                }
            }
        }

        return y;
    }

    private static float[] Filled(int length, float value)
    {
        var array = new float[length];
        Array.Fill(array, value);
        return array;
    }

    private unsafe struct LayerNormRows
    {
        public float* X;
        public float* Y;
        public float* Weight;
        public float* Bias;
        public int Length;
        public float Eps;
    }

    private readonly unsafe struct LayerNormRows<T>(LayerNormRows args) : IRangeBody
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
                double mean = RowKernels<T>.Sum(in x, d) / d;
                double variance = RowKernels<T>.SumOfSquares(in x, d, (float)mean) / d;
                float rstd = (float)(1 / Math.Sqrt(variance + args.Eps));
                if (args.Weight is null)
                {
                    RowKernels<T>.CenterScale(in x, ref y, d, (float)mean, rstd);
                }
                else
                {
                    RowKernels<T>.CenterScaleAffine(in x, ref y, in *args.Weight, in *args.Bias, d, (float)mean, rstd);
                }
            }
        }
    }
}
