namespace FluxServe.Testing;

/// <summary>
/// Assembles the tiny fixture models into the model folders users point FluxServe at: the tiny transformer, the
/// 8× autoencoder (<c>ae-tiny-f8</c>) and the tiny CLIP and T5 encoders, whose widths fit the tiny transformer
/// (CLIP 32 = vec_in_dim, T5 48 = context_in_dim) and whose vocabularies are the real tokenizers'.
/// </summary>
public static class TinyFluxModels
{
    /// <summary>A diffusers-layout folder (transformer/, vae/, text_encoder/, text_encoder_2/), tokenizers from the bundled data.</summary>
    /// <param name="folder">Created if needed.</param>
    /// <param name="variant">"schnell" or "dev".</param>
    public static string AssembleDiffusers(string folder, string variant)
    {
        Directory.CreateDirectory(folder);
        FluxLayouts.WriteDiffusers(FixturePaths.Of($"flux-tiny-{variant}", "model.safetensors"), folder);
        AutoEncoderLayouts.WriteDiffusers(FixturePaths.Of("ae-tiny-f8", "model.safetensors"), folder);
        foreach (var (fixture, sub) in new[] { ("clip-text-tiny", "text_encoder"), ("t5-tiny", "text_encoder_2") })
        {
            string dir = Path.Combine(folder, sub);
            Directory.CreateDirectory(dir);
            File.Copy(FixturePaths.Of(fixture, "model.safetensors"), Path.Combine(dir, "model.safetensors"), overwrite: true);
            File.Copy(FixturePaths.Of(fixture, "config.json"), Path.Combine(dir, "config.json"), overwrite: true);
        }

        return folder;
    }
}
