using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Testing;

/// <summary>
/// Writes a BFL-named FLUX transformer checkpoint in the other public layouts, by the renaming documented in
/// spec/flux-transformer.md §10–§11. Written independently of the loader's own name map, so that a round trip through
/// the loader checks the map rather than repeating it.
/// </summary>
public static class FluxLayouts
{
    /// <summary>The same tensors under ComfyUI's <c>model.diffusion_model.</c> prefix, plus a tensor of another model (ignored by the loader).</summary>
    public static void WriteComfyUi(string bflFile, string path)
    {
        using var source = SafetensorsFile.Open(bflFile);
        var tensors = source.Entries.Select(e => new KeyValuePair<string, Tensor>("model.diffusion_model." + e.Name, source.GetTensor(e.Name))).ToList();
        tensors.Add(new("vae.decoder.conv_in.bias", Tensor.FromArray([1f, 2f], 2)));
        try
        {
            SafetensorsWriter.Write(path, tensors);
        }
        finally
        {
            tensors.ForEach(t => t.Value.Dispose());
        }
    }

    /// <summary>
    /// A diffusers model folder (<c>{folder}/transformer/</c> with <paramref name="shards"/> shards, the index and
    /// config.json). With <paramref name="swapNormOut"/> false the (shift, scale) halves of the final adaLN are left
    /// in BFL order, which is wrong for diffusers.
    /// </summary>
    public static void WriteDiffusers(string bflFile, string folder, int shards = 3, bool swapNormOut = true, IReadOnlyList<int>? axesDim = null)
    {
        using var source = SafetensorsFile.Open(bflFile);
        var output = new List<KeyValuePair<string, Tensor>>();
        foreach (var entry in source.Entries)
        {
            foreach (var (name, tensor) in ToDiffusers(source, entry.Name, swapNormOut))
            {
                output.Add(new(name, tensor));
            }
        }

        string dir = Path.Combine(folder, "transformer");
        Directory.CreateDirectory(dir);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int perShard = (output.Count + shards - 1) / shards;
        try
        {
            for (int s = 0; s < shards; s++)
            {
                string file = $"diffusion_pytorch_model-{s + 1:D5}-of-{shards:D5}.safetensors";
                var part = output.Skip(s * perShard).Take(perShard).ToList();
                SafetensorsWriter.Write(Path.Combine(dir, file), part);
                part.ForEach(p => weightMap[p.Key] = file);
            }
        }
        finally
        {
            output.ForEach(t => t.Value.Dispose());
        }

        File.WriteAllText(
            Path.Combine(dir, "diffusion_pytorch_model.safetensors.index.json"),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["metadata"] = new Dictionary<string, long>(), ["weight_map"] = weightMap }));
        var config = new Dictionary<string, object> { ["_class_name"] = "FluxTransformer2DModel" };
        if (axesDim is not null)
        {
            config["axes_dims_rope"] = axesDim;
        }

        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config));
    }

    private static (string Name, Tensor Tensor)[] ToDiffusers(SafetensorsFile source, string bfl, bool swapNormOut)
    {
        string[] parts = bfl.Split('.');
        string suffix = parts[^1]; // weight | bias | scale
        Tensor Get() => source.GetTensor(bfl);

        if (parts[0] == "double_blocks")
        {
            string d = $"transformer_blocks.{parts[1]}.";
            string module = string.Join('.', parts[2..^1]);
            switch (module)
            {
                case "img_attn.qkv":
                    return SplitRows(Get(), [d + "attn.to_q." + suffix, d + "attn.to_k." + suffix, d + "attn.to_v." + suffix]);
                case "txt_attn.qkv":
                    return SplitRows(Get(), [d + "attn.add_q_proj." + suffix, d + "attn.add_k_proj." + suffix, d + "attn.add_v_proj." + suffix]);
                default:
                    string renamed = module switch
                    {
                        "img_mod.lin" => "norm1.linear",
                        "txt_mod.lin" => "norm1_context.linear",
                        "img_attn.norm.query_norm" => "attn.norm_q",
                        "img_attn.norm.key_norm" => "attn.norm_k",
                        "txt_attn.norm.query_norm" => "attn.norm_added_q",
                        "txt_attn.norm.key_norm" => "attn.norm_added_k",
                        "img_attn.proj" => "attn.to_out.0",
                        "txt_attn.proj" => "attn.to_add_out",
                        "img_mlp.0" => "ff.net.0.proj",
                        "img_mlp.2" => "ff.net.2",
                        "txt_mlp.0" => "ff_context.net.0.proj",
                        "txt_mlp.2" => "ff_context.net.2",
                        _ => throw new InvalidOperationException($"No diffusers name for {bfl}."),
                    };
                    return [(d + renamed + "." + (suffix == "scale" ? "weight" : suffix), Get())];
            }
        }

        if (parts[0] == "single_blocks")
        {
            string d = $"single_transformer_blocks.{parts[1]}.";
            string module = string.Join('.', parts[2..^1]);
            if (module == "linear1")
            {
                return SplitLinear1(Get(), d, suffix);
            }

            string renamed = module switch
            {
                "modulation.lin" => "norm.linear",
                "linear2" => "proj_out",
                "norm.query_norm" => "attn.norm_q",
                "norm.key_norm" => "attn.norm_k",
                _ => throw new InvalidOperationException($"No diffusers name for {bfl}."),
            };
            return [(d + renamed + "." + (suffix == "scale" ? "weight" : suffix), Get())];
        }

        string top = string.Join('.', parts[..^1]) switch
        {
            "img_in" => "x_embedder",
            "txt_in" => "context_embedder",
            "time_in.in_layer" => "time_text_embed.timestep_embedder.linear_1",
            "time_in.out_layer" => "time_text_embed.timestep_embedder.linear_2",
            "guidance_in.in_layer" => "time_text_embed.guidance_embedder.linear_1",
            "guidance_in.out_layer" => "time_text_embed.guidance_embedder.linear_2",
            "vector_in.in_layer" => "time_text_embed.text_embedder.linear_1",
            "vector_in.out_layer" => "time_text_embed.text_embedder.linear_2",
            "final_layer.adaLN_modulation.1" => "norm_out.linear",
            "final_layer.linear" => "proj_out",
            _ => throw new InvalidOperationException($"No diffusers name for {bfl}."),
        };
        var tensor = Get();
        if (top == "norm_out.linear" && swapNormOut)
        {
            using (tensor)
            {
                var halves = SplitRows(tensor, ["shift", "scale"]);
                return [(top + "." + suffix, ConcatRows([halves[1].Tensor, halves[0].Tensor]))];
            }
        }

        return [(top + "." + suffix, tensor)];
    }

    // linear1 rows = [q | k | v | mlp]; q, k and v are hidden rows each and hidden = linear2's output, but only the
    // row count is known here: mlp = 4·hidden in every FLUX model, so rows = 7·hidden.
    private static (string Name, Tensor Tensor)[] SplitLinear1(Tensor t, string d, string suffix)
    {
        int hidden = t.Dim(0) / 7;
        using (t)
        {
            var pieces = new (string, Tensor)[4];
            string[] names = [d + "attn.to_q." + suffix, d + "attn.to_k." + suffix, d + "attn.to_v." + suffix, d + "proj_mlp." + suffix];
            int[] rows = [hidden, hidden, hidden, t.Dim(0) - (3 * hidden)];
            int start = 0;
            for (int i = 0; i < 4; i++)
            {
                pieces[i] = (names[i], CopyRows(t, start, rows[i]));
                start += rows[i];
            }

            return pieces;
        }
    }

    private static (string Name, Tensor Tensor)[] SplitRows(Tensor t, string[] names)
    {
        using (t)
        {
            int rows = t.Dim(0) / names.Length;
            var pieces = new (string, Tensor)[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                pieces[i] = (names[i], CopyRows(t, i * rows, rows));
            }

            return pieces;
        }
    }

    private static Tensor CopyRows(Tensor t, int start, int count)
    {
        using var view = t.Narrow0(start, count);
        var copy = Tensor.Empty(view.Shape, view.DType);
        view.AsBytes().CopyTo(copy.AsBytes());
        return copy;
    }

    private static Tensor ConcatRows(Tensor[] parts)
    {
        int[] shape = parts[0].Shape.ToArray();
        shape[0] = parts.Sum(p => p.Dim(0));
        var result = Tensor.Empty(shape, parts[0].DType);
        int offset = 0;
        foreach (var p in parts)
        {
            p.AsBytes().CopyTo(result.AsBytes()[offset..]);
            offset += (int)p.ByteLength;
            p.Dispose();
        }

        return result;
    }
}
