using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Also accepts shift/scale with batch 1 (one modulation for every batch item). Computed as one fused
    /// multiply-add per element, x·(1 + scale) + shift.
    /// </remarks>
    public Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        TensorChecks.RequireFloat32(shift, nameof(shift));
        TensorChecks.RequireFloat32(scale, nameof(scale));
        TensorChecks.RequireRank(x, 3, nameof(x), "[B, L, D]");
        int batch = x.Shape[0], tokens = x.Shape[1], d = x.Shape[2];
        int shiftBatch = ModulationBatch(shift, batch, d, nameof(shift));
        int scaleBatch = ModulationBatch(scale, batch, d, nameof(scale));
        var y = Allocate(x.Shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        unsafe
        {
            var args = new ModulateRows
            {
                X = (float*)x.Pointer,
                Y = (float*)y.Pointer,
                Shift = (float*)shift.Pointer,
                Scale = (float*)scale.Pointer,
                ShiftBatchStride = shiftBatch == 1 ? 0 : d,
                ScaleBatchStride = scaleBatch == 1 ? 0 : d,
                Tokens = tokens,
                Length = d,
            };
            int rows = batch * tokens;
            switch (KernelDispatch.Width)
            {
                case SimdWidth.W512: ParallelRange.For(rows, d, new ModulateRows<SimdF512>(args)); break;
                case SimdWidth.W256: ParallelRange.For(rows, d, new ModulateRows<SimdF256>(args)); break;
                case SimdWidth.W128: ParallelRange.For(rows, d, new ModulateRows<SimdF128>(args)); break;
                default: ParallelRange.For(rows, d, new ModulateRows<SimdF1>(args)); break;
            }
        }

        return y;
    }

    /// <summary>Checks a shift/scale tensor is [B, D], [B, 1, D] (or batch 1) and returns its batch size.</summary>
    private static int ModulationBatch(Tensor t, int batch, int d, string name)
    {
        bool shapeOk = (t.Rank == 2 || (t.Rank == 3 && t.Shape[1] == 1)) && t.Shape[^1] == d && (t.Shape[0] == batch || t.Shape[0] == 1);
        if (!shapeOk)
        {
            TensorChecks.Throw(name, $"{name} must be [{batch}, {d}] or [{batch}, 1, {d}] to modulate x of [{batch}, L, {d}], got {Tensor.FormatShape(t.Shape)}.");
        }

        return t.Shape[0];
    }

    private unsafe struct ModulateRows
    {
        public float* X;
        public float* Y;
        public float* Shift;
        public float* Scale;
        public int ShiftBatchStride;
        public int ScaleBatchStride;
        public int Tokens;
        public int Length;
    }

    private readonly unsafe struct ModulateRows<T>(ModulateRows args) : IRangeBody
        where T : struct, ISimdFloat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int d = args.Length;
            for (int r = start; r < end; r++)
            {
                int b = r / args.Tokens;
                ref float x = ref Unsafe.AsRef<float>(args.X + ((long)r * d));
                ref float y = ref Unsafe.AsRef<float>(args.Y + ((long)r * d));
                ref float scale = ref Unsafe.AsRef<float>(args.Scale + ((long)b * args.ScaleBatchStride));
                ref float shift = ref Unsafe.AsRef<float>(args.Shift + ((long)b * args.ShiftBatchStride));
                RowKernels<T>.Modulate(in x, ref y, in scale, in shift, d);
            }
        }
    }
}
