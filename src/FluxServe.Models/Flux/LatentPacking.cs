using FluxServe.Engine;

namespace FluxServe.Models.Flux;

/// <summary>
/// The 2×2 patchify of latents into image tokens and its inverse, and the image position ids
/// (spec/flux-transformer.md §9): packed[b, r·(w/2)+c, ch·4+py·2+px] = z[b, ch, 2r+py, 2c+px].
/// </summary>
public static class LatentPacking
{
    /// <summary>[B, C, h, w] → [B, (h/2)(w/2), 4C].</summary>
    public static Tensor Pack(Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.Rank != 4 || latent.Dim(2) % 2 != 0 || latent.Dim(3) % 2 != 0)
        {
            throw new ArgumentException($"Latents must be [B, C, h, w] with even h and w, got {Tensor.FormatShape(latent.Shape)}.", nameof(latent));
        }

        int b = latent.Dim(0), c = latent.Dim(1), h = latent.Dim(2) / 2, w = latent.Dim(3) / 2;
        using var split = latent.Reshape(b, c, h, 2, w, 2);
        using var ordered = split.Permute(0, 2, 4, 1, 3, 5);
        return ordered.Reshape(b, h * w, c * 4);
    }

    /// <summary>[B, (h/2)(w/2), 4C] → [B, C, h, w] for latent height <paramref name="height"/> and width <paramref name="width"/>.</summary>
    public static Tensor Unpack(Tensor tokens, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int h = height / 2, w = width / 2;
        if (tokens.Rank != 3 || tokens.Dim(1) != h * w || tokens.Dim(2) % 4 != 0)
        {
            throw new ArgumentException($"Tokens {Tensor.FormatShape(tokens.Shape)} do not unpack to a {height}×{width} latent.", nameof(tokens));
        }

        int b = tokens.Dim(0), c = tokens.Dim(2) / 4;
        using var split = tokens.Reshape(b, h, w, c, 2, 2);
        using var ordered = split.Permute(0, 3, 1, 4, 2, 5);
        return ordered.Reshape(b, c, height, width);
    }

    /// <summary>Image ids [B, (h/2)(w/2), 3] = (0, row, col) for a latent of height h and width w.</summary>
    public static Tensor ImageIds(int batch, int height, int width)
    {
        int h = height / 2, w = width / 2;
        var ids = Tensor.Zeros([batch, h * w, 3]);
        var data = ids.AsSpan<float>();
        for (int b = 0; b < batch; b++)
        {
            for (int r = 0; r < h; r++)
            {
                for (int c = 0; c < w; c++)
                {
                    int t = (((b * h) + r) * w) + c;
                    data[(t * 3) + 1] = r;
                    data[(t * 3) + 2] = c;
                }
            }
        }

        return ids;
    }
}
