using FluxServe.Engine;

namespace FluxServe.Models.Lora;

/// <summary>
/// All low-rank terms of one layer as a single side path <c>((x·Downᵀ) ⊙ strength·scales)·Upᵀ</c> (spec/lora.md §1):
/// two skinny GEMMs whatever the number of terms. Slices of a fused layer (diffusers q/k/v/mlp, each with its own A)
/// become blocks of Up's rows; terms that share the same A are stacked on the same rank columns.
/// </summary>
/// <remarks>
/// A single whole-layer term (kohya, BFL, most diffusers layers) keeps the file's tensors as they are: zero-copy views
/// in their stored dtype (BF16 files stay BF16; the GEMM widens while packing).
/// </remarks>
internal sealed class LowRankSidePath : LoraSidePath
{
    private readonly Tensor _down;
    private readonly Tensor _up;
    private readonly float _scale;
    private readonly Tensor? _rankScales;
    private readonly float[] _rankScaleValues;

    private LowRankSidePath(int outFeatures, int inFeatures, Tensor down, Tensor up, float[] rankScales)
        : base(outFeatures, inFeatures)
    {
        _down = down;
        _up = up;
        _rankScaleValues = rankScales;
        bool uniform = Array.TrueForAll(rankScales, s => s == rankScales[0]);
        _scale = uniform ? rankScales[0] : float.NaN;
        if (!uniform)
        {
            using var host = LoraHost.FromSingles(rankScales, rankScales.Length);
            _rankScales = LoraHost.OnDevice(host, down.Device);
        }
    }

    /// <summary>Total rank (columns of Up).</summary>
    public int Rank => _down.Dim(0);

    /// <summary>The [rank, in] down matrix (for tests and the summary).</summary>
    public Tensor Down => _down;

    /// <summary>The [out, rank] up matrix.</summary>
    public Tensor Up => _up;

    /// <inheritdoc />
    public override Device Device => _down.Device;

    /// <inheritdoc />
    public override long ByteLength => _down.ByteLength + _up.ByteLength;

    /// <summary>Combines the low-rank patches of one layer (CPU tensors); the patches stay owned by the caller.</summary>
    public static LowRankSidePath Build(int outFeatures, int inFeatures, IReadOnlyList<LowRankPatch> patches)
    {
        if (patches.Count == 1 && patches[0] is { Slice: { RowOffset: 0, SwapHalves: false } } only && only.Rows == outFeatures)
        {
            return new LowRankSidePath(outFeatures, inFeatures, LoraHost.As(only.Down, only.Down.DType), LoraHost.As(only.Up, only.Up.DType), Repeat(only.Scale, only.Rank));
        }

        // Terms that share A (the same values, the same scale, disjoint rows) share rank columns: a kohya-style
        // fused LoRA split into q/k/v by a converter stays rank r instead of becoming 3r.
        var groups = new List<(Tensor Down, float Scale, List<LowRankPatch> Members)>();
        foreach (var patch in patches)
        {
            int g = groups.FindIndex(group => group.Scale == patch.Scale
                && LoraHost.SameValues(group.Down, patch.Down)
                && !group.Members.Exists(m => Overlaps(m, patch)));
            if (g < 0)
            {
                groups.Add((patch.Down, patch.Scale, [patch]));
            }
            else
            {
                groups[g].Members.Add(patch);
            }
        }

        int rank = 0;
        var columns = new int[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            columns[g] = rank;
            rank += groups[g].Down.Dim(0);
        }

        var scales = new float[rank];
        for (int g = 0; g < groups.Count; g++)
        {
            scales.AsSpan(columns[g], groups[g].Down.Dim(0)).Fill(groups[g].Scale);
        }

        var down = groups.Count == 1 ? LoraHost.As(groups[0].Down, groups[0].Down.DType) : StackRows(groups.ConvertAll(g => g.Down), rank, inFeatures);
        var up = PlaceUp(groups, columns, outFeatures, rank);
        return new LowRankSidePath(outFeatures, inFeatures, down, up, scales);
    }

    /// <inheritdoc />
    public override Tensor Delta(Tensor x, float strength)
    {
        using var u = x.Linear(_down);
        if (_rankScales is null)
        {
            using var scaled = u.Affine(strength * _scale, 0f);
            return scaled.Linear(_up);
        }

        using var perRank = u * _rankScales;
        using var both = perRank.Affine(strength, 0f);
        return both.Linear(_up);
    }

    /// <inheritdoc />
    public override void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength)
    {
        // ΔW = (Up · diag(strength·scales)) · Down in float32 on the host (ComfyUI computes ΔW in float32 too).
        int rank = Rank;
        float[] up = LoraHost.ToSingles(_up);
        for (int o = 0; o < OutFeatures; o++)
        {
            var row = up.AsSpan(o * rank, rank);
            for (int c = 0; c < rank; c++)
            {
                row[c] *= strength * _rankScaleValues[c];
            }
        }

        using var upScaled = LoraHost.FromSingles(up, OutFeatures, rank);
        using var downF32 = LoraHost.FromSingles(LoraHost.ToSingles(_down), rank, InFeatures);
        using var delta = upScaled.MatMul(downF32);
        var d = delta.AsSpan<float>();
        for (int i = 0; i < d.Length; i++)
        {
            weight[i] += d[i];
        }
    }

    /// <inheritdoc />
    public override LoraSidePath To(Device device) =>
        new LowRankSidePath(OutFeatures, InFeatures, LoraHost.OnDevice(_down, device), LoraHost.OnDevice(_up, device), _rankScaleValues);

    protected override void Dispose(bool disposing)
    {
        _down.Dispose();
        _up.Dispose();
        _rankScales?.Dispose();
    }

    private static float[] Repeat(float value, int count)
    {
        var a = new float[count];
        a.AsSpan().Fill(value);
        return a;
    }

    private static bool Overlaps(LowRankPatch a, LowRankPatch b) =>
        a.Slice.RowOffset < b.Slice.RowOffset + b.Rows && b.Slice.RowOffset < a.Slice.RowOffset + a.Rows;

    private static Tensor StackRows(List<Tensor> downs, int rank, int inFeatures)
    {
        var dtype = LoraHost.Common(downs);
        var stacked = Tensor.Empty([rank, inFeatures], dtype).Detach();
        var dst = stacked.AsBytes();
        int offset = 0;
        foreach (var d in downs)
        {
            using var converted = LoraHost.As(d, dtype);
            var src = converted.AsBytes();
            src.CopyTo(dst[offset..]);
            offset += src.Length;
        }

        return stacked;
    }

    private static Tensor PlaceUp(List<(Tensor Down, float Scale, List<LowRankPatch> Members)> groups, int[] columns, int outFeatures, int rank)
    {
        var members = groups.SelectMany(g => g.Members).ToList();
        var dtype = LoraHost.Common(members.Select(m => m.Up));
        int size = dtype.SizeOf();
        var up = Tensor.Zeros([outFeatures, rank], dtype).Detach();
        var dst = up.AsBytes();
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var patch in groups[g].Members)
            {
                using var converted = LoraHost.As(patch.Up, dtype);
                var src = converted.AsBytes();
                int r = patch.Rank;
                for (int i = 0; i < patch.Rows; i++)
                {
                    int row = LoraHost.Destination(patch.Slice, patch.Rows, i);
                    src.Slice(i * r * size, r * size).CopyTo(dst[(((row * rank) + columns[g]) * size)..]);
                }
            }
        }

        return up;
    }
}
