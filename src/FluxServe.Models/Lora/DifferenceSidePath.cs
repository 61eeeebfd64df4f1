using FluxServe.Engine;

namespace FluxServe.Models.Lora;

/// <summary>
/// A full-weight difference (<c>.diff</c>/<c>.w_norm</c>, spec/lora.md §1) on a slice of rows, applied as
/// <c>strength · x·ΔWᵀ</c>: a full extra GEMM for that slice, kept in the stored dtype.
/// </summary>
internal sealed class DifferenceSidePath(int outFeatures, int inFeatures, LoraSlice slice, Tensor difference)
    : LoraSidePath(outFeatures, inFeatures)
{
    /// <inheritdoc />
    public override Device Device => difference.Device;

    /// <inheritdoc />
    public override long ByteLength => difference.ByteLength;

    /// <inheritdoc />
    public override Tensor Delta(Tensor x, float strength)
    {
        using var raw = x.Linear(difference);
        return Place(raw.Affine(strength, 0f), slice, OutFeatures);
    }

    /// <inheritdoc />
    public override void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength)
    {
        float[] diff = LoraHost.ToSingles(difference);
        int rows = difference.Dim(0);
        for (int i = 0; i < rows; i++)
        {
            var dst = weight.Slice(LoraHost.Destination(slice, rows, i) * InFeatures, InFeatures);
            var src = diff.AsSpan(i * InFeatures, InFeatures);
            for (int j = 0; j < InFeatures; j++)
            {
                dst[j] += strength * src[j];
            }
        }
    }

    /// <inheritdoc />
    public override LoraSidePath To(Device device) =>
        new DifferenceSidePath(OutFeatures, InFeatures, slice, LoraHost.OnDevice(difference, device));

    protected override void Dispose(bool disposing) => difference.Dispose();
}
