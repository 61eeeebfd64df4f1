namespace FluxServe.Models.Flux;

/// <summary>
/// Every tensor of a FLUX.1 transformer in the BFL single-file naming, with its shape
/// (spec/flux-transformer.md §10). The loader checks a checkpoint against this list before any compute.
/// </summary>
public static class FluxTensorNames
{
    /// <summary>The expected (name, shape) pairs for <paramref name="config"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, int[]>> Expected(FluxConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.HiddenSize;
        int mlp = config.MlpHiddenSize;
        int hd = config.HeadDim;
        var list = new List<KeyValuePair<string, int[]>>();
        void Linear(string name, int outFeatures, int inFeatures)
        {
            list.Add(new(name + ".weight", [outFeatures, inFeatures]));
            list.Add(new(name + ".bias", [outFeatures]));
        }

        Linear("img_in", d, config.InChannels);
        Linear("time_in.in_layer", d, config.TimestepEmbeddingDim);
        Linear("time_in.out_layer", d, d);
        Linear("vector_in.in_layer", d, config.VecInDim);
        Linear("vector_in.out_layer", d, d);
        if (config.GuidanceEmbed)
        {
            Linear("guidance_in.in_layer", d, config.TimestepEmbeddingDim);
            Linear("guidance_in.out_layer", d, d);
        }

        Linear("txt_in", d, config.ContextInDim);
        for (int n = 0; n < config.Depth; n++)
        {
            foreach (string s in (ReadOnlySpan<string>)["img", "txt"])
            {
                string p = $"double_blocks.{n}.{s}";
                Linear(p + "_mod.lin", 6 * d, d);
                Linear(p + "_attn.qkv", 3 * d, d);
                list.Add(new(p + "_attn.norm.query_norm.scale", [hd]));
                list.Add(new(p + "_attn.norm.key_norm.scale", [hd]));
                Linear(p + "_attn.proj", d, d);
                Linear(p + "_mlp.0", mlp, d);
                Linear(p + "_mlp.2", d, mlp);
            }
        }

        for (int n = 0; n < config.DepthSingleBlocks; n++)
        {
            string p = $"single_blocks.{n}";
            Linear(p + ".modulation.lin", 3 * d, d);
            Linear(p + ".linear1", (3 * d) + mlp, d);
            Linear(p + ".linear2", d, d + mlp);
            list.Add(new(p + ".norm.query_norm.scale", [hd]));
            list.Add(new(p + ".norm.key_norm.scale", [hd]));
        }

        Linear("final_layer.adaLN_modulation.1", 2 * d, d);
        Linear("final_layer.linear", config.InChannels, d);
        return list;
    }
}
