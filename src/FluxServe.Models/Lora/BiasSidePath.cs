using FluxServe.Engine;

namespace FluxServe.Models.Lora;

/// <summary>The bias differences of one layer (<c>.diff_b</c>/<c>.b_norm</c>) as one float32 [out] vector: <c>y += strength·Δb</c>.</summary>
internal sealed class BiasSidePath : LoraSidePath
{
    private readonly Tensor _bias;

    private BiasSidePath(int outFeatures, int inFeatures, Tensor bias)
        : base(outFeatures, inFeatures) => _bias = bias;

    /// <inheritdoc />
    public override Device Device => _bias.Device;

    /// <inheritdoc />
    public override long ByteLength => _bias.ByteLength;

    /// <inheritdoc />
    public override bool ChangesBias => true;

    /// <summary>Sums the bias patches (each on its slice of rows) into one vector.</summary>
    public static BiasSidePath Build(int outFeatures, int inFeatures, IEnumerable<(LoraSlice Slice, Tensor Bias)> patches)
    {
        var sum = new float[outFeatures];
        foreach (var (slice, bias) in patches)
        {
            float[] values = LoraHost.ToSingles(bias);
            for (int i = 0; i < values.Length; i++)
            {
                sum[LoraHost.Destination(slice, values.Length, i)] += values[i];
            }
        }

        return new BiasSidePath(outFeatures, inFeatures, LoraHost.FromSingles(sum, outFeatures));
    }

    /// <inheritdoc />
    public override Tensor Delta(Tensor x, float strength) => _bias.Affine(strength, 0f);

    /// <inheritdoc />
    public override void AddWeightDelta(Span<float> weight, ReadOnlySpan<float> baseWeight, float strength)
    {
    }

    /// <inheritdoc />
    public override void AddBiasDelta(Span<float> bias, float strength)
    {
        var values = LoraHost.ToSingles(_bias);
        for (int i = 0; i < values.Length; i++)
        {
            bias[i] += strength * values[i];
        }
    }

    /// <inheritdoc />
    public override LoraSidePath To(Device device) => new BiasSidePath(OutFeatures, InFeatures, LoraHost.OnDevice(_bias, device));

    protected override void Dispose(bool disposing) => _bias.Dispose();
}
