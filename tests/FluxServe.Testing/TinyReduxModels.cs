namespace FluxServe.Testing;

/// <summary>
/// Assembles a tiny FLUX.1 Redux folder in diffusers layout: the tiny SigLIP tower of the Models tests (width 32,
/// 44-pixel images, checked there against an independent float64 computation) in <c>image_encoder/</c> and the
/// <c>redux-tiny</c> fixture embedder (32 → 144 → 48, 48 = the tiny T5 width the tiny transformers read) in
/// <c>image_embedder/</c>. It fits <see cref="TinyFluxModels"/>.
/// </summary>
public static class TinyReduxModels
{
    /// <summary>Writes the folder (created if needed) and returns it.</summary>
    public static string AssembleDiffusers(string folder)
    {
        string siglip = Path.Combine(FixturePaths.RepositoryRoot, "tests", "FluxServe.Models.Tests", "Siglip", "Data");
        string encoder = Path.Combine(folder, "image_encoder");
        string embedder = Path.Combine(folder, "image_embedder");
        Directory.CreateDirectory(encoder);
        Directory.CreateDirectory(embedder);
        File.Copy(Path.Combine(siglip, "model.safetensors"), Path.Combine(encoder, "model.safetensors"), overwrite: true);
        File.Copy(Path.Combine(siglip, "config.json"), Path.Combine(encoder, "config.json"), overwrite: true);
        File.Copy(FixturePaths.Of("redux-tiny", "model.safetensors"), Path.Combine(embedder, "diffusion_pytorch_model.safetensors"), overwrite: true);
        return folder;
    }
}
