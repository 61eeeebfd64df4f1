using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// The 2×2 matrices are first regrouped per position into two rows of D coefficients, A = (m00, m11, ...) and
    /// S = (m01, m10, ...), so that each head row is out = A·x + S·swap(x), where swap exchanges the two elements of
    /// every pair: two multiplies per element and one in-register shuffle, with no gathers. Rows run in parallel.
    /// </remarks>
    public Tensor Rope(Tensor x, Tensor pe)
    {
        TensorChecks.RequireFloat32(x, nameof(x));
        TensorChecks.RequireFloat32(pe, nameof(pe));
        TensorChecks.RequireRank(x, 4, nameof(x), "[B, H, L, D]");
        int batch = x.Shape[0], heads = x.Shape[1], tokens = x.Shape[2], d = x.Shape[3];
        if (d % 2 != 0)
        {
            TensorChecks.Throw(nameof(x), $"RoPE rotates pairs, so the head dimension must be even; x is {Tensor.FormatShape(x.Shape)}.");
        }

        ReadOnlySpan<int> p = pe.Shape;
        bool peOk = pe.Rank == 6 && (p[0] == batch || p[0] == 1) && p[1] == 1 && p[2] == tokens && p[3] == d / 2 && p[4] == 2 && p[5] == 2;
        if (!peOk)
        {
            TensorChecks.Throw(nameof(pe), $"pe must be [{batch} or 1, 1, {tokens}, {d / 2}, 2, 2] for x of {Tensor.FormatShape(x.Shape)}, got {Tensor.FormatShape(p)}.");
        }

        var y = Allocate(x.Shape, DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        int peBatch = p[0];
        long tableLength = (long)peBatch * tokens * 2 * d;
        unsafe
        {
            float* table = (float*)NativeMemory.AlignedAlloc((nuint)(tableLength * sizeof(float)), 64);
            try
            {
                BuildRopeTable((float*)pe.Pointer, table, peBatch * tokens, d);
                var args = new RopeRows
                {
                    X = (float*)x.Pointer,
                    Y = (float*)y.Pointer,
                    Table = table,
                    Heads = heads,
                    Tokens = tokens,
                    Length = d,
                    TableBatchStride = peBatch == 1 ? 0 : (long)tokens * 2 * d,
                };
                int rows = batch * heads * tokens;
                switch (KernelDispatch.Width)
                {
                    case SimdWidth.W512: ParallelRange.For(rows, 3L * d, new RopeRows<SimdF512>(args)); break;
                    case SimdWidth.W256: ParallelRange.For(rows, 3L * d, new RopeRows<SimdF256>(args)); break;
                    case SimdWidth.W128: ParallelRange.For(rows, 3L * d, new RopeRows<SimdF128>(args)); break;
                    default: ParallelRange.For(rows, 3L * d, new RopeScalarRows(args)); break;
                }
            }
            finally
            {
                NativeMemory.AlignedFree(table);
            }
        }

        return y;
    }

    /// <summary>Per position: A = (m00, m11) and S = (m01, m10) for every pair j, from pe's matrices [[m00, m01], [m10, m11]].</summary>
    private static unsafe void BuildRopeTable(float* pe, float* table, int positions, int d)
    {
        for (long position = 0; position < positions; position++)
        {
            float* m = pe + (position * 2 * d);
            float* a = table + (position * 2 * d);
            float* s = a + d;
            for (int j = 0; j < d / 2; j++)
            {
                a[2 * j] = m[4 * j];
                a[(2 * j) + 1] = m[(4 * j) + 3];
                s[2 * j] = m[(4 * j) + 1];
                s[(2 * j) + 1] = m[(4 * j) + 2];
            }
        }
    }

    private unsafe struct RopeRows
    {
        public float* X;
        public float* Y;
        public float* Table;
        public int Heads;
        public int Tokens;
        public int Length;
        public long TableBatchStride;

        /// <summary>The A row of row <paramref name="r"/> of x (S follows it).</summary>
        public readonly float* Coefficients(int r)
        {
            int token = r % Tokens;
            int b = r / (Tokens * Heads);
            return Table + (b * TableBatchStride) + ((long)token * 2 * Length);
        }
    }

    private readonly unsafe struct RopeRows<T>(RopeRows args) : IRangeBody
        where T : struct, ISimdFloat<T>, ISimdPairSwap<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int d = args.Length;
            int bulk = d - (d % T.Count);
            for (int r = start; r < end; r++)
            {
                float* x = args.X + ((long)r * d);
                float* y = args.Y + ((long)r * d);
                float* a = args.Coefficients(r);
                float* s = a + d;
                for (int i = 0; i < bulk; i += T.Count)
                {
                    T v = T.Load(in x[i], 0);
                    T.Store(T.Fma(T.Load(in a[i], 0), v, T.Load(in s[i], 0) * T.SwapPairs(v)), ref y[i], 0);
                }

                RopeScalarRows.Rotate(x, y, a, s, bulk, d);
            }
        }
    }

    private readonly unsafe struct RopeScalarRows(RopeRows args) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            int d = args.Length;
            for (int r = start; r < end; r++)
            {
                float* a = args.Coefficients(r);
                Rotate(args.X + ((long)r * d), args.Y + ((long)r * d), a, a + d, 0, d);
            }
        }

        /// <summary>Pairs from element <paramref name="from"/> (even) to <paramref name="to"/>, one at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Rotate(float* x, float* y, float* a, float* s, int from, int to)
        {
            for (int i = from; i < to; i += 2)
            {
                float x0 = x[i], x1 = x[i + 1];
                y[i] = MathF.FusedMultiplyAdd(a[i], x0, s[i] * x1);
                y[i + 1] = MathF.FusedMultiplyAdd(a[i + 1], x1, s[i + 1] * x0);
            }
        }
    }
}
