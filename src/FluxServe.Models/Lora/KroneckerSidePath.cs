using FluxServe.Engine;

namespace FluxServe.Models.Lora;

/// <summary>
/// A LoKr term <c>scale · kron(w1, w2)</c> (spec/lora.md §3) applied without forming the Kronecker product: for
/// w1 [a, b], w2 [c, d] and x viewed as [M, b, d], <c>x·kron(w1, w2)ᵀ = ((x·w2ᵀ)ᵀ·w1ᵀ)ᵀ</c> flattened to [M, a·c],
/// two small GEMMs and two transposes instead of an [a·c, b·d] matrix.
/// </summary>
internal sealed class KroneckerSidePath(int outFeatures, int inFeatures, LoraSlice slice, KroneckerFactor w1, KroneckerFactor w2, float scale)
    : LoraSidePath(outFeatures, inFeatures)
{
    /// <inheritdoc />
    public override Device Device => (w1.Full ?? w1.A!).Device;

    /// <inheritdoc />
    public override long ByteLength => w1.ByteLength + w2.ByteLength;

    /// <inheritdoc />
    public override Tensor Delta(Tensor x, float strength)
    {
        int a = w1.Rows, b = w1.Columns, c = w2.Rows, d = w2.Columns;
        int[] lead = x.Shape[..^1].ToArray();
        int m = checked((int)Tensor.ComputeLength(lead));
        using var xr = x.Reshape(m, b, d);
        using var t = w2.Apply(xr);               // [M, b, c]
        using var tt = t.Permute(0, 2, 1);        // [M, c, b]
        using var s = w1.Apply(tt);               // [M, c, a]
        using var st = s.Permute(0, 2, 1);        // [M, a, c]
        using var flat = st.Reshape([.. lead, a * c]);
        var scaled = flat.Affine(strength * scale, 0f);
        return Place(scaled, slice, OutFeatures);
    }

    /// <inheritdoc />
    public override void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength)
    {
        float[] f1 = w1.ToSingles(), f2 = w2.ToSingles();
        int a = w1.Rows, b = w1.Columns, c = w2.Rows, d = w2.Columns, rows = a * c;
        float k = strength * scale;
        for (int i1 = 0; i1 < a; i1++)
        {
            for (int i2 = 0; i2 < c; i2++)
            {
                int row = LoraHost.Destination(slice, rows, (i1 * c) + i2);
                var dst = weight.Slice(row * InFeatures, InFeatures);
                for (int j1 = 0; j1 < b; j1++)
                {
                    float v1 = k * f1[(i1 * b) + j1];
                    var src = f2.AsSpan(i2 * d, d);
                    var part = dst.Slice(j1 * d, d);
                    for (int j2 = 0; j2 < d; j2++)
                    {
                        part[j2] += v1 * src[j2];
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public override LoraSidePath To(Device device) =>
        new KroneckerSidePath(OutFeatures, InFeatures, slice, w1.To(device), w2.To(device), scale);

    protected override void Dispose(bool disposing)
    {
        w1.Dispose();
        w2.Dispose();
    }
}
