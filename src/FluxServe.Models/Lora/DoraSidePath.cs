using FluxServe.Engine;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Lora;

/// <summary>
/// DoRA (spec/lora.md §3, ComfyUI's <c>weight_decompose</c>): a LoRA/LoHa/LoKr term ΔW (scale included) whose merged
/// weight is renormalised, <c>W'' = (W + ΔW) ⊙ dora_scale / ‖·‖</c>, and applied as <c>W + strength·(W'' − W)</c>.
/// </summary>
/// <remarks>
/// <para>Output axis (dora_scale has one entry per output row): ComfyUI takes the row norms of the original W, so
/// <c>m = dora_scale / (‖W_o‖ + ε)</c> per row and the side path is
/// <c>strength·((m − 1) ⊙ (x·Wᵀ) + m ⊙ x·ΔWᵀ)</c>, cheap given the base output.</para>
/// <para>Input axis (one entry per input feature): <c>c = dora_scale / (‖(W + ΔW)_·j‖ + ε)</c> per column, and
/// <c>x·(W'' − W)ᵀ = (x ⊙ (c − 1))·Wᵀ + (x ⊙ c)·ΔWᵀ</c>: one extra GEMM with the base weight (merging is cheaper
/// for such a LoRA on a hot endpoint).</para>
/// <para>The norms depend on the base weight, so they are computed once per weight tensor on first use and cached.
/// ε is float32's epsilon (ComfyUI patches in float32). Terms are relative to the base weight, not to other adapters
/// active on the same layer.</para>
/// </remarks>
internal sealed class DoraSidePath : LoraSidePath
{
    private const float Epsilon = 1.1920929e-07f;
    private readonly LoraSidePath _inner;
    private readonly float[] _magnitude;
    private readonly bool _onOutputAxis;
    private readonly LoraSlice _slice;
    private readonly Lock _gate = new();
    private readonly Dictionary<Tensor, (float[] Factor, float[] MinusOne)> _factors = new(ReferenceEqualityComparer.Instance);

    /// <param name="outFeatures">Rows of the layer.</param>
    /// <param name="inFeatures">Columns of the layer.</param>
    /// <param name="slice">The rows the term patches (a sized slice).</param>
    /// <param name="inner">The term ΔW, placed at full width (owned from now on).</param>
    /// <param name="magnitude">dora_scale: slice.RowCount entries (output axis, in the patch's row order) or inFeatures entries.</param>
    /// <param name="onOutputAxis">Which axis dora_scale runs along.</param>
    public DoraSidePath(int outFeatures, int inFeatures, LoraSlice slice, LoraSidePath inner, float[] magnitude, bool onOutputAxis)
        : base(outFeatures, inFeatures)
    {
        _slice = slice;
        _inner = inner;
        _magnitude = magnitude;
        _onOutputAxis = onOutputAxis;
    }

    /// <inheritdoc />
    public override Device Device => _inner.Device;

    /// <inheritdoc />
    public override long ByteLength => _inner.ByteLength + (_magnitude.Length * sizeof(float));

    /// <inheritdoc />
    public override Tensor Delta(Tensor x, float strength) =>
        throw new InvalidOperationException("A DoRA term needs the layer's base weight and output.");

    /// <inheritdoc />
    public override Tensor Delta(Tensor x, Tensor baseOutput, LinearLayer layer, float strength)
    {
        // The norms are cached as host arrays: device tensors made during a forward pass belong to its TensorScope.
        var (factorValues, minusOneValues) = FactorsFor(layer);
        using var f = new Factors(ToDevice(factorValues, x.Device), ToDevice(minusOneValues, x.Device));
        using var inner = _onOutputAxis ? _inner.Delta(x, 1f) : InnerOnScaled(x, f);
        Tensor sum;
        if (_onOutputAxis)
        {
            // (m − 1) ⊙ (x·Wᵀ) + m ⊙ x·ΔWᵀ, with x·Wᵀ = base output − b.
            using var noBias = layer.Bias is null ? baseOutput.Reshape(baseOutput.Shape) : baseOutput - layer.Bias;
            using var renormalised = noBias * f.MinusOne;
            using var scaledInner = inner * f.Factor;
            sum = renormalised + scaledInner;
        }
        else
        {
            // (x ⊙ (c − 1))·W_sliceᵀ placed on the slice's rows, + (x ⊙ c)·ΔWᵀ.
            using var shifted = x * f.MinusOne;
            using var rows = layer.Weight.Narrow0(_slice.RowOffset, _slice.RowCount);
            var projected = shifted.Linear(rows);
            if (layer.WeightScale != 1f)
            {
                var rescaled = projected.Affine(layer.WeightScale, 0f);
                projected.Dispose();
                projected = rescaled;
            }

            using var placed = Place(projected, _slice with { SwapHalves = false }, OutFeatures);
            sum = placed + inner;
        }

        using (sum)
        {
            return sum.Affine(strength, 0f);
        }
    }

    /// <inheritdoc />
    public override void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength)
    {
        int k = InFeatures;
        var delta = new float[OutFeatures * k];
        _inner.AddWeightDelta(delta, baseWeight, 1f);
        var (factor, _) = HostFactors(baseWeight, delta);
        int rows = _slice.RowCount;
        for (int i = 0; i < rows; i++)
        {
            int o = _onOutputAxis ? LoraHost.Destination(_slice, rows, i) : _slice.RowOffset + i;
            for (int j = 0; j < k; j++)
            {
                int at = (o * k) + j;
                float renormalised = (baseWeight[at] + delta[at]) * (_onOutputAxis ? factor[o] : factor[j]);
                weight[at] += strength * (renormalised - baseWeight[at]);
            }
        }
    }

    /// <inheritdoc />
    public override LoraSidePath To(Device device) =>
        new DoraSidePath(OutFeatures, InFeatures, _slice, _inner.To(device), _magnitude, _onOutputAxis);

    protected override void Dispose(bool disposing)
    {
        _inner.Dispose();
        lock (_gate)
        {
            _factors.Clear();
        }
    }

    private static Tensor ToDevice(float[] values, Device device)
    {
        var host = Tensor.FromArray(values, values.Length);
        if (device == Device.Cpu)
        {
            return host;
        }

        using (host)
        {
            return host.To(device);
        }
    }

    private Tensor InnerOnScaled(Tensor x, Factors f)
    {
        using var scaled = x * f.Factor;
        return _inner.Delta(scaled, 1f);
    }

    private (float[] Factor, float[] MinusOne) FactorsFor(LinearLayer layer)
    {
        lock (_gate)
        {
            if (_factors.TryGetValue(layer.Weight, out var cached))
            {
                return cached;
            }

            float[] w = LoraHost.ToSingles(layer.Weight);
            if (layer.WeightScale != 1f)
            {
                for (int i = 0; i < w.Length; i++)
                {
                    w[i] *= layer.WeightScale;
                }
            }

            float[] delta = [];
            if (!_onOutputAxis)
            {
                delta = new float[w.Length];
                _inner.AddWeightDelta(delta, w, 1f);
            }

            var factors = HostFactors(w, delta);
            _factors.Add(layer.Weight, factors);
            return factors;
        }
    }

    /// <summary>
    /// Output axis: per layer row, m (1 outside the slice) and m − 1 (0 outside). Input axis: per column, c and c − 1,
    /// over the slice's rows of W + ΔW.
    /// </summary>
    private (float[] Factor, float[] MinusOne) HostFactors(ReadOnlySpan<float> weight, ReadOnlySpan<float> delta)
    {
        int k = InFeatures, rows = _slice.RowCount;
        if (_onOutputAxis)
        {
            var m = new float[OutFeatures];
            var minusOne = new float[OutFeatures];
            m.AsSpan().Fill(1f);
            for (int i = 0; i < rows; i++)
            {
                int o = LoraHost.Destination(_slice, rows, i);
                double sq = 0;
                foreach (float v in weight.Slice(o * k, k))
                {
                    sq += (double)v * v;
                }

                m[o] = _magnitude[i] / ((float)Math.Sqrt(sq) + Epsilon);
                minusOne[o] = m[o] - 1f;
            }

            return (m, minusOne);
        }

        var columns = new double[k];
        for (int i = 0; i < rows; i++)
        {
            int o = _slice.RowOffset + i;
            var w = weight.Slice(o * k, k);
            var d = delta.Slice(o * k, k);
            for (int j = 0; j < k; j++)
            {
                double v = w[j] + d[j];
                columns[j] += v * v;
            }
        }

        var c = new float[k];
        var cMinusOne = new float[k];
        for (int j = 0; j < k; j++)
        {
            c[j] = _magnitude[j] / ((float)Math.Sqrt(columns[j]) + Epsilon);
            cMinusOne[j] = c[j] - 1f;
        }

        return (c, cMinusOne);
    }

    /// <summary>The per-row (output axis) or per-column (input axis) factor and factor − 1 on the compute device, for one call.</summary>
    private sealed record Factors(Tensor Factor, Tensor MinusOne) : IDisposable
    {
        public void Dispose()
        {
            Factor.Dispose();
            MinusOne.Dispose();
        }
    }
}
