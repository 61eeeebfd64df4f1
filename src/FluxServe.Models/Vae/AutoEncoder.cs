using FluxServe.Engine;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Vae;

/// <summary>
/// The FLUX autoencoder (spec/vae.md): <see cref="Encode"/> maps images in [−1, 1] to scaled latents (the mean, no
/// sampling), <see cref="Decode"/> maps scaled latents back to images in about [−1, 1]. Weights in BFL
/// <c>ae.safetensors</c> naming.
/// </summary>
public sealed class AutoEncoder : IDisposable
{
    private const float NormEps = 1e-6f;
    private readonly WeightSet _weights;

    /// <summary>Builds the network over BFL-named weights; takes ownership of them.</summary>
    public AutoEncoder(AutoEncoderConfig config, WeightSet weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        _weights = weights;
    }

    /// <summary>The hyper-parameters.</summary>
    public AutoEncoderConfig Config { get; }

    /// <summary>Images [B, 3, H, W] in [−1, 1] (H, W multiples of the spatial factor) → z [B, 16, H/f, W/f] = scale·(mean − shift).</summary>
    public Tensor Encode(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int f = Config.SpatialFactor;
        if (image.Rank != 4 || image.Dim(1) != Config.ImageChannels || image.Dim(2) % f != 0 || image.Dim(3) % f != 0)
        {
            throw new ArgumentException($"Images must be [B, {Config.ImageChannels}, H, W] with H and W multiples of {f}, got {Tensor.FormatShape(image.Shape)}.", nameof(image));
        }

        using var scope = TensorScope.Begin();
        const string e = "encoder.";
        var h = Conv(image, e + "conv_in", 1, 1);
        int levels = Config.ChannelMultipliers.Count;
        for (int level = 0; level < levels; level++)
        {
            for (int b = 0; b < Config.ResBlocks; b++)
            {
                h = ResnetBlock(h, $"{e}down.{level}.block.{b}.");
            }

            if (level != levels - 1)
            {
                h = Downsample(h, $"{e}down.{level}.downsample.conv");
            }
        }

        h = Middle(h, e + "mid.");
        h = Conv(Swish(Norm(h, e + "norm_out")), e + "conv_out", 1, 1);
        var mean = h.Slice(1, 0, Config.ZChannels);
        return mean.Affine(Config.ScaleFactor, -Config.ScaleFactor * Config.ShiftFactor).Detach();
    }

    /// <summary>Scaled latents z [B, 16, h, w] → images [B, 3, f·h, f·w] (decoding z/scale + shift, BFL's <c>decode</c>).</summary>
    public Tensor Decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var unscaled = z.Affine(1f / Config.ScaleFactor, Config.ShiftFactor);
        return DecodeVaeSpace(unscaled);
    }

    /// <summary>
    /// Latents already in VAE space (ComfyUI's <c>process_out</c> applied: z/scale + shift) [B, 16, h, w] → images
    /// [B, 3, f·h, f·w].
    /// </summary>
    public Tensor DecodeVaeSpace(Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.Rank != 4 || latent.Dim(1) != Config.ZChannels)
        {
            throw new ArgumentException($"Latents must be [B, {Config.ZChannels}, h, w], got {Tensor.FormatShape(latent.Shape)}.", nameof(latent));
        }

        using var scope = TensorScope.Begin();
        const string d = "decoder.";
        var h = Conv(latent, d + "conv_in", 1, 1);
        h = Middle(h, d + "mid.");
        for (int level = Config.ChannelMultipliers.Count - 1; level >= 0; level--)
        {
            for (int b = 0; b <= Config.ResBlocks; b++)
            {
                h = ResnetBlock(h, $"{d}up.{level}.block.{b}.");
            }

            if (level != 0)
            {
                h = Conv(h.Backend.UpsampleNearest(h, 2), $"{d}up.{level}.upsample.conv", 1, 1);
            }
        }

        return Conv(Swish(Norm(h, d + "norm_out")), d + "conv_out", 1, 1).Detach();
    }

    /// <inheritdoc />
    public void Dispose() => _weights.Dispose();

    private Tensor Middle(Tensor h, string prefix)
    {
        h = ResnetBlock(h, prefix + "block_1.");
        h = Attention(h, prefix + "attn_1.");
        return ResnetBlock(h, prefix + "block_2.");
    }

    private Tensor ResnetBlock(Tensor x, string prefix)
    {
        var h = Conv(Swish(Norm(x, prefix + "norm1")), prefix + "conv1", 1, 1);
        h = Conv(Swish(Norm(h, prefix + "norm2")), prefix + "conv2", 1, 1);
        var shortcut = _weights.Contains(prefix + "nin_shortcut.weight") ? Conv(x, prefix + "nin_shortcut", 1, 0) : x;
        return shortcut + h;
    }

    // One single-head self-attention over all pixels (spec/vae.md §2).
    private Tensor Attention(Tensor x, string prefix)
    {
        int b = x.Dim(0), c = x.Dim(1), height = x.Dim(2), width = x.Dim(3);
        var h = Norm(x, prefix + "norm");
        Tensor Tokens(string name) => Conv(h, prefix + name, 1, 0).Reshape(b, 1, c, height * width).Permute(0, 1, 3, 2);
        var attended = x.Backend.Attention(Tokens("q"), Tokens("k"), Tokens("v"), null, causal: false, scale: 1f / MathF.Sqrt(c));
        var image = attended.Permute(0, 1, 3, 2).Reshape(b, c, height, width);
        return x + Conv(image, prefix + "proj_out", 1, 0);
    }

    // Zero padding on the right and bottom only, then a stride-2 3×3 conv (spec/vae.md §2 Downsample).
    private Tensor Downsample(Tensor x, string conv)
    {
        int b = x.Dim(0), c = x.Dim(1), height = x.Dim(2), width = x.Dim(3);
        var column = Tensor.Zeros([b, c, height, 1], DType.F32, x.Device);
        var wider = x.Backend.Concat([x, column], 3);
        var row = Tensor.Zeros([b, c, 1, width + 1], DType.F32, x.Device);
        var padded = x.Backend.Concat([wider, row], 2);
        return Conv(padded, conv, 2, 0);
    }

    private Tensor Conv(Tensor x, string name, int stride, int padding) =>
        x.Backend.Conv2d(x, _weights[name + ".weight"], _weights[name + ".bias"], stride, padding);

    private Tensor Norm(Tensor x, string name) =>
        x.Backend.GroupNorm(x, Config.Groups, _weights[name + ".weight"], _weights[name + ".bias"], NormEps);

    private static Tensor Swish(Tensor x) => x.Activate(Activation.SiLU);
}
