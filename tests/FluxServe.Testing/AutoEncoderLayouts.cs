using FluxServe.Engine;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Testing;

/// <summary>
/// Writes a BFL <c>ae.safetensors</c> in diffusers' AutoencoderKL layout by spec/vae.md §7 (written independently of
/// the loader's reverse map): renamed blocks, decoder levels reversed, attention 1×1 convs as Linear weights.
/// </summary>
public static class AutoEncoderLayouts
{
    /// <summary>Writes <c>{folder}/vae/diffusion_pytorch_model.safetensors</c>.</summary>
    public static void WriteDiffusers(string bflFile, string folder)
    {
        using var source = SafetensorsFile.Open(bflFile);
        int levels = source.Entries.Where(e => e.Name.StartsWith("decoder.up.", StringComparison.Ordinal))
            .Select(e => int.Parse(e.Name.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture)).Max() + 1;
        var output = new List<KeyValuePair<string, Tensor>>();
        foreach (var entry in source.Entries)
        {
            string[] p = entry.Name.Split('.');
            string name = ToDiffusers(p, levels);
            var tensor = source.GetTensor(entry.Name);
            if (name.Contains(".attentions.0.to_", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal))
            {
                var linear = tensor.Reshape(tensor.Dim(0), tensor.Dim(1));
                tensor.Dispose();
                tensor = linear;
            }

            output.Add(new(name, tensor));
        }

        string dir = Path.Combine(folder, "vae");
        Directory.CreateDirectory(dir);
        try
        {
            SafetensorsWriter.Write(Path.Combine(dir, "diffusion_pytorch_model.safetensors"), output);
        }
        finally
        {
            output.ForEach(t => t.Value.Dispose());
        }
    }

    private static string ToDiffusers(string[] p, int levels)
    {
        string side = p[0]; // encoder | decoder
        string rest = string.Join('.', p[1..]);
        string Resnet(string tail) => tail.Replace("nin_shortcut", "conv_shortcut", StringComparison.Ordinal);
        switch (p[1])
        {
            case "norm_out":
                return $"{side}.conv_norm_out.{p[^1]}";
            case "down" when p[3] == "block":
                return $"{side}.down_blocks.{p[2]}.resnets.{p[4]}.{Resnet(string.Join('.', p[5..]))}";
            case "down" when p[3] == "downsample":
                return $"{side}.down_blocks.{p[2]}.downsamplers.0.conv.{p[^1]}";
            case "up":
                int i = levels - 1 - int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture);
                return p[3] == "block"
                    ? $"{side}.up_blocks.{i}.resnets.{p[4]}.{Resnet(string.Join('.', p[5..]))}"
                    : $"{side}.up_blocks.{i}.upsamplers.0.conv.{p[^1]}";
            case "mid" when p[2] == "attn_1":
                string module = p[3] switch { "norm" => "group_norm", "q" => "to_q", "k" => "to_k", "v" => "to_v", "proj_out" => "to_out.0", _ => p[3] };
                return $"{side}.mid_block.attentions.0.{module}.{p[^1]}";
            case "mid":
                string block = p[2] == "block_1" ? "resnets.0" : "resnets.1";
                return $"{side}.mid_block.{block}.{string.Join('.', p[3..])}";
            default:
                return $"{side}.{rest}";
        }
    }
}
