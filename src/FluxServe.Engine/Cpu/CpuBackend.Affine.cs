using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>One fused multiply-add per element.</remarks>
    public Tensor Affine(Tensor x, float multiplier, float addend)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        var y = Allocate(x.Shape, DType.F32, zero: false);
        unsafe
        {
            var args = new AffineChunks { X = (float*)x.Pointer, Y = (float*)y.Pointer, Length = x.Length, Multiplier = multiplier, Addend = addend };
            int chunks = ChunkCount(x.Length);
            switch (KernelDispatch.Width)
            {
                case SimdWidth.W512: ParallelRange.For(chunks, ElementwiseChunk, new AffineChunks<SimdF512>(args)); break;
                case SimdWidth.W256: ParallelRange.For(chunks, ElementwiseChunk, new AffineChunks<SimdF256>(args)); break;
                case SimdWidth.W128: ParallelRange.For(chunks, ElementwiseChunk, new AffineChunks<SimdF128>(args)); break;
                default: ParallelRange.For(chunks, ElementwiseChunk, new AffineChunks<SimdF1>(args)); break;
            }
        }

        return y;
    }

    private unsafe struct AffineChunks
    {
        public float* X;
        public float* Y;
        public long Length;
        public float Multiplier;
        public float Addend;
    }

    private readonly unsafe struct AffineChunks<T>(AffineChunks args) : IRangeBody
        where T : struct, ISimdFloat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            long from = (long)start * ElementwiseChunk;
            int count = (int)(Math.Min((long)end * ElementwiseChunk, args.Length) - from);
            RowKernels<T>.ScaleShift(in Unsafe.AsRef<float>(args.X + from), ref Unsafe.AsRef<float>(args.Y + from), count, args.Multiplier, args.Addend);
        }
    }
}
