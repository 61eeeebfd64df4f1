using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    // Element-wise maps are split into chunks of this many elements for the parallel loop.
    private const int ElementwiseChunk = 1 << 14;

    /// <inheritdoc />
    /// <remarks>See <see cref="ActivationKernels"/> for the accuracy of each function.</remarks>
    public Tensor Activate(Tensor x, Activation activation)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }

        var y = Allocate(x.Shape, DType.F32, zero: false);
        unsafe
        {
            var body = new ActivationChunks((float*)x.Pointer, (float*)y.Pointer, x.Length, activation);
            ParallelRange.For(ChunkCount(x.Length), 16L * ElementwiseChunk, body);
        }

        return y;
    }

    private static int ChunkCount(long length) => checked((int)((length + ElementwiseChunk - 1) / ElementwiseChunk));

    private readonly unsafe struct ActivationChunks(float* x, float* y, long length, Activation activation) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            long from = (long)start * ElementwiseChunk;
            int count = (int)(Math.Min((long)end * ElementwiseChunk, length) - from);
            ActivationKernels.Apply(new ReadOnlySpan<float>(x + from, count), new Span<float>(y + from, count), activation);
        }
    }
}
