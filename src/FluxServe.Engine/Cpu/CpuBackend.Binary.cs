using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    // Long inner rows are cut into pieces of this many elements so one big row still spreads over the threads.
    private const int BinaryPiece = 1 << 14;

    /// <inheritdoc />
    /// <remarks>
    /// The broadcast is simplified first (<see cref="BroadcastLayout"/>): after merging, the innermost loop is
    /// vector ⊕ vector, vector ⊕ scalar or scalar ⊕ vector, and the outer dimensions only move the row starts.
    /// </remarks>
    public Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        TensorChecks.RequireFloat32(a, nameof(a));
        TensorChecks.RequireFloat32(b, nameof(b));
        var layout = BroadcastLayout.Create(a.Shape, b.Shape, nameof(b));
        var y = Allocate(layout.OutputShape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        unsafe
        {
            var args = new BinaryArgs((float*)a.Pointer, (float*)b.Pointer, (float*)y.Pointer, layout);
            switch (op)
            {
                case BinaryOp.Add: RunBinary<AddOperator>(args); break;
                case BinaryOp.Subtract: RunBinary<SubtractOperator>(args); break;
                case BinaryOp.Multiply: RunBinary<MultiplyOperator>(args); break;
                case BinaryOp.Divide: RunBinary<DivideOperator>(args); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary operation.");
            }
        }

        return y;
    }

    private static void RunBinary<TOperator>(BinaryArgs args)
        where TOperator : IBinaryFloatOperator
    {
        int items = checked((int)(args.Rows * args.PiecesPerRow));
        long work = Math.Min(args.Inner, BinaryPiece);
        switch (KernelDispatch.Width)
        {
            case SimdWidth.W512: ParallelRange.For(items, work, new BinaryPieces<TOperator, SimdF512>(args)); break;
            case SimdWidth.W256: ParallelRange.For(items, work, new BinaryPieces<TOperator, SimdF256>(args)); break;
            case SimdWidth.W128: ParallelRange.For(items, work, new BinaryPieces<TOperator, SimdF128>(args)); break;
            default: ParallelRange.For(items, work, new BinaryPieces<TOperator, SimdF1>(args)); break;
        }
    }

    private readonly unsafe struct BinaryArgs
    {
        public readonly float* Left;
        public readonly float* Right;
        public readonly float* Output;
        public readonly int[] Sizes;
        public readonly long[] LeftStrides;
        public readonly long[] RightStrides;
        public readonly int Inner;
        public readonly long Rows;
        public readonly int PiecesPerRow;

        public BinaryArgs(float* left, float* right, float* output, BroadcastLayout layout)
        {
            Left = left;
            Right = right;
            Output = output;
            Sizes = layout.Sizes;
            LeftStrides = layout.LeftStrides;
            RightStrides = layout.RightStrides;
            Inner = layout.Inner;
            Rows = layout.Rows;
            PiecesPerRow = (Inner + BinaryPiece - 1) / BinaryPiece;
        }

        /// <summary>Element offsets of row <paramref name="row"/>'s first element in the two operands.</summary>
        public void RowOffsets(long row, out long left, out long right)
        {
            left = 0;
            right = 0;
            for (int dim = Sizes.Length - 2; dim >= 0; dim--)
            {
                long index = row % Sizes[dim];
                row /= Sizes[dim];
                left += index * LeftStrides[dim];
                right += index * RightStrides[dim];
            }
        }
    }

    private readonly unsafe struct BinaryPieces<TOperator, T>(BinaryArgs args) : IRangeBody
        where TOperator : IBinaryFloatOperator
        where T : struct, ISimdFloat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            bool leftVector = args.LeftStrides[^1] != 0, rightVector = args.RightStrides[^1] != 0;
            for (int item = start; item < end; item++)
            {
                long row = item / args.PiecesPerRow;
                int from = item % args.PiecesPerRow * BinaryPiece;
                int count = Math.Min(BinaryPiece, args.Inner - from);
                args.RowOffsets(row, out long left, out long right);
                float* a = args.Left + left + (leftVector ? from : 0);
                float* b = args.Right + right + (rightVector ? from : 0);
                float* y = args.Output + (row * args.Inner) + from;
                int bulk = count - (count % T.Count);
                if (leftVector && rightVector)
                {
                    VectorVector<T>(a, b, y, 0, bulk);
                    VectorVector<SimdF1>(a, b, y, bulk, count);
                }
                else if (leftVector)
                {
                    VectorScalar<T>(a, *b, y, 0, bulk);
                    VectorScalar<SimdF1>(a, *b, y, bulk, count);
                }
                else if (rightVector)
                {
                    ScalarVector<T>(*a, b, y, 0, bulk);
                    ScalarVector<SimdF1>(*a, b, y, bulk, count);
                }
                else
                {
                    new Span<float>(y, count).Fill(TOperator.Invoke(new SimdF1(*a), new SimdF1(*b)).V);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void VectorVector<TV>(float* a, float* b, float* y, int from, int to)
            where TV : struct, ISimdFloat<TV>
        {
            for (int i = from; i < to; i += TV.Count)
            {
                TV.Store(TOperator.Invoke(TV.Load(in a[i], 0), TV.Load(in b[i], 0)), ref y[i], 0);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void VectorScalar<TV>(float* a, float b, float* y, int from, int to)
            where TV : struct, ISimdFloat<TV>
        {
            TV right = TV.Create(b);
            for (int i = from; i < to; i += TV.Count)
            {
                TV.Store(TOperator.Invoke(TV.Load(in a[i], 0), right), ref y[i], 0);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ScalarVector<TV>(float a, float* b, float* y, int from, int to)
            where TV : struct, ISimdFloat<TV>
        {
            TV left = TV.Create(a);
            for (int i = from; i < to; i += TV.Count)
            {
                TV.Store(TOperator.Invoke(left, TV.Load(in b[i], 0)), ref y[i], 0);
            }
        }
    }
}
