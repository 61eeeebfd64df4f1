namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// ComfyUI's <c>latent_formats.Flux</c>: between the VAE's latent space and the model's,
/// <c>process_in(z) = (z − 0.1159)·0.3611</c> and <c>process_out(x) = x/0.3611 + 0.1159</c> (float32).
/// </summary>
public static class FluxLatentFormat
{
    /// <summary>The autoencoder's scale factor.</summary>
    public const float ScaleFactor = 0.3611f;

    /// <summary>The autoencoder's shift factor.</summary>
    public const float ShiftFactor = 0.1159f;

    /// <summary><c>process_latent_in</c> in place.</summary>
    public static void ProcessIn(Span<float> latent)
    {
        for (int i = 0; i < latent.Length; i++)
        {
            latent[i] = (latent[i] - ShiftFactor) * ScaleFactor;
        }
    }

    /// <summary><c>process_latent_out</c> in place.</summary>
    public static void ProcessOut(Span<float> latent)
    {
        for (int i = 0; i < latent.Length; i++)
        {
            latent[i] = (latent[i] / ScaleFactor) + ShiftFactor;
        }
    }
}
