namespace FluxServe.Models.Vae;

/// <summary>Hyper-parameters of the FLUX autoencoder (spec/vae.md §1), inferred from the checkpoint.</summary>
public sealed record AutoEncoderConfig
{
    /// <summary>Base channel count.</summary>
    public int Channels { get; init; } = 128;

    /// <summary>Channel multiplier per resolution level (finest first).</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = [1, 2, 4, 4];

    /// <summary>Resnet blocks per encoder level (the decoder has one more).</summary>
    public int ResBlocks { get; init; } = 2;

    /// <summary>Latent channels.</summary>
    public int ZChannels { get; init; } = 16;

    /// <summary>Image channels.</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>GroupNorm groups.</summary>
    public int Groups { get; init; } = 32;

    /// <summary>Latent scale: z = scale·(mean − shift).</summary>
    public float ScaleFactor { get; init; } = 0.3611f;

    /// <summary>Latent shift.</summary>
    public float ShiftFactor { get; init; } = 0.1159f;

    /// <summary>Pixels per latent pixel along each side (2^(levels − 1)).</summary>
    public int SpatialFactor => 1 << (ChannelMultipliers.Count - 1);
}
