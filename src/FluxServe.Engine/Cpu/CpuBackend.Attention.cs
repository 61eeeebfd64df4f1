using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    // Query rows and keys per block: a 64×64 score tile (16 KB) and a 64-key slice of the transposed keys stay in L1/L2.
    private const int AttentionQueryBlock = 64;
    private const int AttentionKeyBlock = 64;

    /// <inheritdoc />
    /// <remarks>
    /// Blocked attention with an online softmax (FlashAttention's recurrence, Dao et al. 2022, alg. 1): for each block
    /// of 64 queries the keys are visited in blocks of 64; scores come from a register-blocked product against the
    /// block's keys packed transposed, the running row maximum and sum are updated, and O += P·V, so the Lq×Lk score
    /// matrix never exists. Causal blocks above the diagonal are skipped. (batch, head, query block) items run in
    /// parallel. <paramref name="v"/> may have its own last dimension Dv; the result is then [B, H, Lq, Dv].
    /// </remarks>
    public Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? bias, bool causal, float scale)
    {
        TensorChecks.RequireFloat32(q, nameof(q));
        TensorChecks.RequireFloat32(k, nameof(k));
        TensorChecks.RequireFloat32(v, nameof(v));
        TensorChecks.RequireRank(q, 4, nameof(q), "[B, H, Lq, D]");
        TensorChecks.RequireRank(k, 4, nameof(k), "[B, H, Lk, D]");
        TensorChecks.RequireRank(v, 4, nameof(v), "[B, H, Lk, Dv]");
        int batch = q.Shape[0], heads = q.Shape[1], queries = q.Shape[2], d = q.Shape[3];
        int keys = k.Shape[2], dv = v.Shape[3];
        if (k.Shape[0] != batch || k.Shape[1] != heads || k.Shape[3] != d)
        {
            TensorChecks.Throw(nameof(k), $"k must be [{batch}, {heads}, Lk, {d}] for q of {Tensor.FormatShape(q.Shape)}, got {Tensor.FormatShape(k.Shape)}.");
        }

        if (v.Shape[0] != batch || v.Shape[1] != heads || v.Shape[2] != keys)
        {
            TensorChecks.Throw(nameof(v), $"v must be [{batch}, {heads}, {keys}, Dv] for k of {Tensor.FormatShape(k.Shape)}, got {Tensor.FormatShape(v.Shape)}.");
        }

        Span<long> biasStrides = stackalloc long[4];
        if (bias is not null)
        {
            TensorChecks.RequireFloat32(bias, nameof(bias));
            AttentionBiasStrides(bias, [batch, heads, queries, keys], biasStrides);
        }

        var y = Allocate([batch, heads, queries, dv], DType.F32, zero: false);
        if (y.Length == 0)
        {
            return y;
        }

        if (keys == 0)
        {
            y.Dispose();
            TensorChecks.Throw(nameof(k), "Attention needs at least one key.");
        }

        unsafe
        {
            int keyBlocks = (keys + AttentionKeyBlock - 1) / AttentionKeyBlock;
            long packedPerHead = (long)keyBlocks * d * AttentionKeyBlock;
            float* packed = (float*)NativeMemory.AlignedAlloc((nuint)(batch * heads * packedPerHead * sizeof(float)), 64);
            try
            {
                var args = new AttentionArgs
                {
                    Q = (float*)q.Pointer,
                    PackedKeys = packed,
                    V = (float*)v.Pointer,
                    Bias = bias is null ? null : (float*)bias.Pointer,
                    Output = (float*)y.Pointer,
                    Heads = heads,
                    Queries = queries,
                    Keys = keys,
                    D = d,
                    Dv = dv,
                    KeyBlocks = keyBlocks,
                    QueryBlocks = (queries + AttentionQueryBlock - 1) / AttentionQueryBlock,
                    Scale = scale,
                    Causal = causal,
                    BiasBatchStride = biasStrides[0],
                    BiasHeadStride = biasStrides[1],
                    BiasQueryStride = biasStrides[2],
                    BiasKeyStride = biasStrides[3],
                };
                ParallelRange.For(batch * heads, (long)keys * d, new KeyPacking((float*)k.Pointer, packed, keys, d, keyBlocks));

                int items = batch * heads * args.QueryBlocks;
                long work = 2L * AttentionQueryBlock * keys * (d + dv);
                switch (KernelDispatch.Width)
                {
                    case SimdWidth.W512: ParallelRange.For(items, work, new AttentionBlocks<SimdF512>(args)); break;
                    case SimdWidth.W256: ParallelRange.For(items, work, new AttentionBlocks<SimdF256>(args)); break;
                    case SimdWidth.W128: ParallelRange.For(items, work, new AttentionBlocks<SimdF128>(args)); break;
                    default: ParallelRange.For(items, work, new AttentionBlocks<SimdF1>(args)); break;
                }
            }
            finally
            {
                NativeMemory.AlignedFree(packed);
            }
        }

        return y;
    }

    /// <summary>Element strides of a bias broadcast to [B, H, Lq, Lk] (0 where it broadcasts); throws if it cannot.</summary>
    private static void AttentionBiasStrides(Tensor bias, ReadOnlySpan<int> target, Span<long> strides)
    {
        if (bias.Rank > 4)
        {
            TensorChecks.Throw(nameof(bias), $"bias {Tensor.FormatShape(bias.Shape)} has more than 4 dimensions.");
        }

        long stride = 1;
        for (int i = 3; i >= 0; i--)
        {
            int j = i - (4 - bias.Rank);
            int size = j >= 0 ? bias.Shape[j] : 1;
            if (size != target[i] && size != 1)
            {
                TensorChecks.Throw(nameof(bias), $"bias {Tensor.FormatShape(bias.Shape)} does not broadcast to the scores {Tensor.FormatShape(target)}.");
            }

            strides[i] = size == 1 ? 0 : stride;
            stride *= size;
        }
    }

    private unsafe struct AttentionArgs
    {
        public float* Q;
        public float* PackedKeys;
        public float* V;
        public float* Bias;
        public float* Output;
        public int Heads;
        public int Queries;
        public int Keys;
        public int D;
        public int Dv;
        public int KeyBlocks;
        public int QueryBlocks;
        public float Scale;
        public bool Causal;
        public long BiasBatchStride;
        public long BiasHeadStride;
        public long BiasQueryStride;
        public long BiasKeyStride;
    }

    /// <summary>Per (batch, head): keys as blocks of [D, 64] (transposed, zero-padded) for the score tiles.</summary>
    private readonly unsafe struct KeyPacking(float* keys, float* packed, int count, int d, int blocks) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            for (long head = start; head < end; head++)
            {
                float* source = keys + (head * count * d);
                float* target = packed + (head * blocks * d * AttentionKeyBlock);
                for (int block = 0; block < blocks; block++)
                {
                    int j0 = block * AttentionKeyBlock;
                    int n = Math.Min(AttentionKeyBlock, count - j0);
                    float* tile = target + ((long)block * d * AttentionKeyBlock);
                    for (int j = 0; j < n; j++)
                    {
                        float* row = source + ((long)(j0 + j) * d);
                        for (int t = 0; t < d; t++)
                        {
                            tile[(t * AttentionKeyBlock) + j] = row[t];
                        }
                    }

                    for (int t = 0; n < AttentionKeyBlock && t < d; t++)
                    {
                        new Span<float>(tile + (t * AttentionKeyBlock) + n, AttentionKeyBlock - n).Clear();
                    }
                }
            }
        }
    }

    private readonly unsafe struct AttentionBlocks<T>(AttentionArgs args) : IRangeBody
        where T : struct, ISimdFloat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            const int Qb = AttentionQueryBlock, Kb = AttentionKeyBlock;
            int dv = args.Dv;
            nuint scratchFloats = (nuint)((Qb * Kb) + (Qb * dv) + (2 * Qb));
            float* scratch = (float*)NativeMemory.AlignedAlloc(scratchFloats * sizeof(float), 64);
            try
            {
                float* scores = scratch;
                float* output = scores + (Qb * Kb);
                float* rowMax = output + (Qb * dv);
                float* rowSum = rowMax + Qb;
                for (int item = start; item < end; item++)
                {
                    int head = item / args.QueryBlocks;
                    int i0 = item % args.QueryBlocks * Qb;
                    int rows = Math.Min(Qb, args.Queries - i0);
                    ProcessBlock(head, i0, rows, scores, output, rowMax, rowSum);
                }
            }
            finally
            {
                NativeMemory.AlignedFree(scratch);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ProcessBlock(int head, int i0, int rows, float* scores, float* output, float* rowMax, float* rowSum)
        {
            const int Kb = AttentionKeyBlock;
            int d = args.D, dv = args.Dv;
            float* q = args.Q + (((long)head * args.Queries) + i0) * d;
            float* v = args.V + ((long)head * args.Keys * dv);
            float* packed = args.PackedKeys + ((long)head * args.KeyBlocks * d * Kb);
            float* bias = args.Bias is null ? null
                : args.Bias + (head / args.Heads * args.BiasBatchStride) + (head % args.Heads * args.BiasHeadStride) + (i0 * args.BiasQueryStride);
            new Span<float>(output, rows * dv).Clear();
            new Span<float>(rowMax, rows).Fill(float.NegativeInfinity);
            new Span<float>(rowSum, rows).Clear();

            // Causal (top-left aligned, as PyTorch's is_causal): query i sees keys 0..i.
            int keyEnd = args.Causal ? Math.Min(args.Keys, i0 + rows) : args.Keys;
            for (int j0 = 0; j0 < keyEnd; j0 += Kb)
            {
                int count = Math.Min(Kb, args.Keys - j0);
                int columns = (count + AttentionTiles<T>.ColumnStep - 1) / AttentionTiles<T>.ColumnStep * AttentionTiles<T>.ColumnStep;
                float* keyTile = packed + ((long)(j0 / Kb) * d * Kb);
                for (int r = 0; r < rows; r += 4)
                {
                    AttentionTiles<T>.Scores(q + ((long)r * d), d, Math.Min(4, rows - r), keyTile, Kb, d, columns, scores + (r * Kb), Kb, args.Scale);
                }

                for (int r = 0; r < rows; r++)
                {
                    float* s = scores + (r * Kb);
                    int valid = args.Causal ? Math.Min(count, i0 + r - j0 + 1) : count;
                    if (valid <= 0)
                    {
                        new Span<float>(s, count).Clear();
                        continue;
                    }

                    if (bias is not null)
                    {
                        float* b = bias + (r * args.BiasQueryStride) + (j0 * args.BiasKeyStride);
                        if (args.BiasKeyStride == 0)
                        {
                            RowKernels<T>.ScaleShift(in s[0], ref s[0], valid, 1f, *b);
                        }
                        else
                        {
                            RowKernels<T>.AddTo(in b[0], ref s[0], valid);
                        }
                    }

                    float previous = rowMax[r];
                    float max = MathF.Max(previous, RowKernels<T>.Max(in s[0], valid));
                    if (float.IsNegativeInfinity(max))
                    {
                        // Everything so far is masked by −∞ bias: contributes nothing yet.
                        new Span<float>(s, count).Clear();
                        continue;
                    }

                    double sum = RowKernels<T>.ExpShifted(in s[0], ref s[0], valid, max);
                    if (valid < count)
                    {
                        new Span<float>(s + valid, count - valid).Clear();
                    }

                    float correction = MathF.Exp(previous - max);
                    rowSum[r] = (float)((rowSum[r] * correction) + sum);
                    rowMax[r] = max;
                    if (correction != 1f)
                    {
                        float* o = output + (r * dv);
                        RowKernels<T>.ScaleShift(in o[0], ref o[0], dv, correction, 0f);
                    }
                }

                for (int r = 0; r < rows; r += 4)
                {
                    AttentionTiles<T>.AccumulateValues(scores + (r * Kb), Kb, Math.Min(4, rows - r), v + ((long)j0 * dv), dv, count, output + (r * dv), dv, dv);
                }
            }

            float* y = args.Output + ((((long)head * args.Queries) + i0) * dv);
            for (int r = 0; r < rows; r++)
            {
                RowKernels<T>.ScaleShift(in output[r * dv], ref y[(long)r * dv], dv, 1f / rowSum[r], 0f);
            }
        }
    }
}
