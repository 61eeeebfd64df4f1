using System.Globalization;
using System.Text.RegularExpressions;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;

namespace FluxServe.Models.Vae;

/// <summary>
/// Loads the FLUX autoencoder from BFL's <c>ae.safetensors</c>, the same names under ComfyUI's <c>vae.</c> prefix,
/// or a diffusers <c>vae/</c> folder (renamed blocks, reversed decoder levels, attention as Linear weights),
/// checking every tensor first (spec/vae.md §6–§7). Weights are widened to float32: the autoencoder is small
/// (84 M parameters) and its convolutions read float32.
/// </summary>
public static partial class AutoEncoderCheckpoint
{
    private const string ComfyPrefix = "vae.";

    /// <summary>Loads the autoencoder at <paramref name="path"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="CheckpointException">A tensor is missing, extra or misshapen.</exception>
    public static AutoEncoder Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string resolved = Directory.Exists(Path.Combine(path, "vae")) ? Path.Combine(path, "vae") : path;
        using var checkpoint = SafetensorsCheckpoint.Open(resolved);
        bool diffusers = checkpoint.Contains("decoder.conv_norm_out.weight");
        string prefix = !diffusers && checkpoint.Contains(ComfyPrefix + "decoder.conv_in.weight") ? ComfyPrefix : string.Empty;
        int upLevels = CheckpointAssembler.CountBlocks(checkpoint.Names, "decoder.up_blocks.");
        var (recipes, scales) = CheckpointAssembler.Direct(
            checkpoint, prefix, diffusers ? name => FromDiffusers(name, upLevels) : name => name);
        if (diffusers)
        {
            // diffusers keeps the 1×1 attention convolutions as Linear [C, C] weights.
            foreach (var (name, recipe) in recipes.ToList())
            {
                if (AttentionConv().IsMatch(name) && checkpoint.GetEntry(recipe.Sources[0]).Shape is [int o, int i])
                {
                    recipes[name] = recipe with { Reshape = [o, i, 1, 1] };
                }
            }
        }

        var config = InferConfig(resolved, checkpoint, recipes);
        var expected = ExpectedTensors(config);
        var plan = new CheckpointPlan($"FLUX autoencoder ({(diffusers ? "diffusers" : prefix.Length > 0 ? "ComfyUI" : "BFL")} layout)", recipes, scales, []);
        CheckpointAssembler.Validate(checkpoint, plan, expected);
        return new AutoEncoder(config, CheckpointAssembler.Materialise(checkpoint, plan, expected, device ?? Device.Cpu, widenAll: true));
    }

    /// <summary>Every tensor of the autoencoder in BFL naming with its shape.</summary>
    public static IReadOnlyList<KeyValuePair<string, int[]>> ExpectedTensors(AutoEncoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var list = new List<KeyValuePair<string, int[]>>();
        void Conv(string name, int o, int i, int k)
        {
            list.Add(new(name + ".weight", [o, i, k, k]));
            list.Add(new(name + ".bias", [o]));
        }

        void Norm(string name, int c)
        {
            list.Add(new(name + ".weight", [c]));
            list.Add(new(name + ".bias", [c]));
        }

        void Resnet(string p, int cin, int cout)
        {
            Norm(p + "norm1", cin);
            Conv(p + "conv1", cout, cin, 3);
            Norm(p + "norm2", cout);
            Conv(p + "conv2", cout, cout, 3);
            if (cin != cout)
            {
                Conv(p + "nin_shortcut", cout, cin, 1);
            }
        }

        void Middle(string p, int c)
        {
            Resnet(p + "block_1.", c, c);
            Norm(p + "attn_1.norm", c);
            foreach (string n in (ReadOnlySpan<string>)["q", "k", "v", "proj_out"])
            {
                Conv(p + "attn_1." + n, c, c, 1);
            }

            Resnet(p + "block_2.", c, c);
        }

        int ch = config.Channels, levels = config.ChannelMultipliers.Count;
        int top = ch * config.ChannelMultipliers[^1];
        Conv("encoder.conv_in", ch, config.ImageChannels, 3);
        int cin = ch;
        for (int l = 0; l < levels; l++)
        {
            int cout = ch * config.ChannelMultipliers[l];
            for (int b = 0; b < config.ResBlocks; b++)
            {
                Resnet($"encoder.down.{l}.block.{b}.", b == 0 ? cin : cout, cout);
            }

            if (l != levels - 1)
            {
                Conv($"encoder.down.{l}.downsample.conv", cout, cout, 3);
            }

            cin = cout;
        }

        Middle("encoder.mid.", top);
        Norm("encoder.norm_out", top);
        Conv("encoder.conv_out", 2 * config.ZChannels, top, 3);

        Conv("decoder.conv_in", top, config.ZChannels, 3);
        Middle("decoder.mid.", top);
        cin = top;
        for (int l = levels - 1; l >= 0; l--)
        {
            int cout = ch * config.ChannelMultipliers[l];
            for (int b = 0; b <= config.ResBlocks; b++)
            {
                Resnet($"decoder.up.{l}.block.{b}.", b == 0 ? cin : cout, cout);
            }

            if (l != 0)
            {
                Conv($"decoder.up.{l}.upsample.conv", cout, cout, 3);
            }

            cin = cout;
        }

        Norm("decoder.norm_out", ch);
        Conv("decoder.conv_out", config.ImageChannels, ch, 3);
        return list;
    }

    private static AutoEncoderConfig InferConfig(string source, SafetensorsCheckpoint checkpoint, Dictionary<string, TensorRecipe> recipes)
    {
        int[] Need(string n) => recipes.TryGetValue(n, out var r)
            ? checkpoint.GetEntry(r.Sources[0]).Shape
            : throw new CheckpointException($"{source} is not a FLUX autoencoder: tensor '{n}' is missing.");

        int ch = Need("encoder.conv_in.weight")[0];
        int levels = CheckpointAssembler.CountBlocks(recipes.Keys, "encoder.down.");
        var mults = new int[levels];
        for (int l = 0; l < levels; l++)
        {
            mults[l] = Need($"encoder.down.{l}.block.0.conv2.weight")[0] / ch;
        }

        using var hf = HfConfig.Find(source);
        return new AutoEncoderConfig
        {
            Channels = ch,
            ChannelMultipliers = mults,
            ResBlocks = CheckpointAssembler.CountBlocks(recipes.Keys.Where(n => n.StartsWith("encoder.down.0.", StringComparison.Ordinal)), "encoder.down.0.block."),
            ZChannels = Need("decoder.conv_in.weight")[1],
            ImageChannels = Need("encoder.conv_in.weight")[1],
            ScaleFactor = HfFloat(hf, "scaling_factor") ?? 0.3611f,
            ShiftFactor = HfFloat(hf, "shift_factor") ?? 0.1159f,
        };
    }

    private static float? HfFloat(System.Text.Json.JsonDocument? config, string name) =>
        config is not null && config.RootElement.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number
            ? v.GetSingle()
            : null;

    // diffusers AutoencoderKL name → BFL name (spec/vae.md §7); unknown names pass through and fail validation.
    private static string FromDiffusers(string name, int upLevels)
    {
        string n = name.Replace("conv_norm_out.", "norm_out.", StringComparison.Ordinal)
            .Replace(".conv_shortcut.", ".nin_shortcut.", StringComparison.Ordinal)
            .Replace("mid_block.resnets.0.", "mid.block_1.", StringComparison.Ordinal)
            .Replace("mid_block.resnets.1.", "mid.block_2.", StringComparison.Ordinal)
            .Replace("mid_block.attentions.0.group_norm.", "mid.attn_1.norm.", StringComparison.Ordinal)
            .Replace("mid_block.attentions.0.to_q.", "mid.attn_1.q.", StringComparison.Ordinal)
            .Replace("mid_block.attentions.0.to_k.", "mid.attn_1.k.", StringComparison.Ordinal)
            .Replace("mid_block.attentions.0.to_v.", "mid.attn_1.v.", StringComparison.Ordinal)
            .Replace("mid_block.attentions.0.to_out.0.", "mid.attn_1.proj_out.", StringComparison.Ordinal)
            .Replace(".downsamplers.0.conv.", ".downsample.conv.", StringComparison.Ordinal)
            .Replace(".upsamplers.0.conv.", ".upsample.conv.", StringComparison.Ordinal);
        n = DownBlock().Replace(n, m => $"encoder.down.{m.Groups[1].Value}.");
        n = UpBlock().Replace(n, m => $"decoder.up.{upLevels - 1 - int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)}.");
        return n.Replace(".resnets.", ".block.", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^encoder\.down_blocks\.(\d+)\.")]
    private static partial Regex DownBlock();

    [GeneratedRegex(@"^decoder\.up_blocks\.(\d+)\.")]
    private static partial Regex UpBlock();

    [GeneratedRegex(@"\.mid\.attn_1\.(q|k|v|proj_out)\.weight$")]
    private static partial Regex AttentionConv();
}
