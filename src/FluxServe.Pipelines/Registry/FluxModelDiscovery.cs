using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Pipelines.Registry;

/// <summary>
/// Finds the components of a FLUX.1 model from what a user points at: a diffusers folder (<c>transformer/</c>,
/// <c>vae/</c>, <c>text_encoder/</c>, <c>text_encoder_2/</c>, <c>tokenizer/</c>, <c>tokenizer_2/</c>), a folder of
/// ComfyUI-style single files (<c>flux1-schnell.safetensors</c>, <c>ae.safetensors</c>, <c>clip_l.safetensors</c>,
/// <c>t5xxl_fp16.safetensors</c>, recognised by their tensor names, not their file names), one of those files (its
/// folder is searched for the rest), or an all-in-one ComfyUI checkpoint.
/// </summary>
/// <remarks>Tokenizers come from the model's own folders when present, else from the data bundled with FluxServe.</remarks>
public static class FluxModelDiscovery
{
    private static readonly string BundledTokenizers = Path.Combine(AppContext.BaseDirectory, "assets", "tokenizers");

    /// <summary>Locates every component for <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">A component cannot be found; the message lists what was found.</exception>
    public static FluxModelPaths Discover(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new CheckpointException($"Model path '{full}' does not exist.");
        }

        string folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        var found = new Dictionary<Component, string>();
        if (Directory.Exists(full))
        {
            foreach (var (component, sub) in new[] { (Component.Transformer, "transformer"), (Component.AutoEncoder, "vae"), (Component.ClipText, "text_encoder"), (Component.T5, "text_encoder_2") })
            {
                if (Directory.Exists(Path.Combine(full, sub)))
                {
                    found[component] = Path.Combine(full, sub);
                }
            }
        }

        // A file the user named comes first; then the other single files of the folder, in name order.
        var candidates = new List<string>();
        if (File.Exists(full))
        {
            candidates.Add(full);
        }

        candidates.AddRange(Directory.EnumerateFiles(folder, "*.safetensors").Order(StringComparer.Ordinal).Where(f => f != full));
        foreach (string file in candidates)
        {
            if (found.Count == 4)
            {
                break;
            }

            foreach (var component in Classify(file))
            {
                found.TryAdd(component, file);
            }
        }

        string[] missing = [.. Enum.GetValues<Component>().Where(c => !found.ContainsKey(c)).Select(c => c.ToString())];
        if (missing.Length > 0)
        {
            string have = found.Count == 0 ? "nothing usable" : string.Join(", ", found.Select(f => $"{f.Key} in {f.Value}"));
            throw new CheckpointException($"Model at '{full}' is incomplete: no {string.Join(", ", missing)} found (found {have}).");
        }

        return new FluxModelPaths(
            found[Component.Transformer],
            found[Component.AutoEncoder],
            found[Component.ClipText],
            found[Component.T5],
            TokenizerFolder(folder, "tokenizer", "vocab.json", "clip-l"),
            TokenizerFolder(folder, "tokenizer_2", "tokenizer.json", "t5"));
    }

    private static string TokenizerFolder(string modelFolder, string sub, string marker, string bundled)
    {
        string own = Path.Combine(modelFolder, sub);
        if (File.Exists(Path.Combine(own, marker)))
        {
            return own;
        }

        string fallback = Path.Combine(BundledTokenizers, bundled);
        return File.Exists(Path.Combine(fallback, marker))
            ? fallback
            : throw new CheckpointException($"No {sub}/ beside the model at '{modelFolder}' and no bundled tokenizer at '{fallback}'.");
    }

    // The components a single file holds, recognised by tensor names (several for an all-in-one checkpoint).
    private static List<Component> Classify(string file)
    {
        var result = new List<Component>();
        SafetensorsFile st;
        try
        {
            st = SafetensorsFile.Open(file);
        }
        catch (SafetensorsException)
        {
            return result;
        }

        using (st)
        {
            bool Has(params string[] names) => names.Any(st.Contains);
            if (Has("img_in.weight", "model.diffusion_model.img_in.weight", "diffusion_model.img_in.weight", "x_embedder.weight"))
            {
                result.Add(Component.Transformer);
            }

            if (Has("decoder.conv_in.weight", "vae.decoder.conv_in.weight"))
            {
                result.Add(Component.AutoEncoder);
            }

            if (Has("text_model.embeddings.token_embedding.weight", "text_encoders.clip_l.transformer.text_model.embeddings.token_embedding.weight"))
            {
                result.Add(Component.ClipText);
            }

            if (Has("encoder.final_layer_norm.weight", "text_encoders.t5xxl.transformer.encoder.final_layer_norm.weight"))
            {
                result.Add(Component.T5);
            }
        }

        return result;
    }

    private enum Component
    {
        Transformer,
        AutoEncoder,
        ClipText,
        T5,
    }
}
