using System.Globalization;
using System.Text.RegularExpressions;
using FluxServe.Models.Flux;

namespace FluxServe.Models.Lora;

/// <summary>
/// Every accepted LoRA key stem (the key without its adapter suffix) for a FLUX.1 configuration, mapped onto the
/// canonical layer it patches (spec/lora.md §2, ComfyUI's approach: a dictionary built from the model, not parsing).
/// Text-encoder stems are recognised by pattern because their depth is not part of the transformer's configuration.
/// </summary>
internal sealed partial class LoraKeyMap
{
    private static readonly string[] s_bflPrefixes = ["", "diffusion_model.", "model.diffusion_model.", "transformer.", "base_model.model."];
    private static readonly string[] s_diffusersPrefixes = ["", "transformer.", "base_model.model.", "base_model.model.transformer."];
    private static readonly string[] s_xlabsPrefixes = ["", "diffusion_model."];

    private readonly Dictionary<string, LoraSlice> _stems = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Out, int In)> _layers = new(StringComparer.Ordinal);

    private LoraKeyMap()
    {
    }

    /// <summary>The transformer's Linear layers (canonical name → [out, in]).</summary>
    public IReadOnlyDictionary<string, (int Out, int In)> TransformerLayers => _layers;

    /// <summary>Number of accepted transformer stems (all aliases).</summary>
    public int Count => _stems.Count;

    /// <summary>Builds the map for <paramref name="config"/>.</summary>
    public static LoraKeyMap ForFlux(FluxConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var map = new LoraKeyMap();
        foreach (var (name, shape) in FluxTensorNames.Expected(config))
        {
            if (shape.Length == 2 && name.EndsWith(".weight", StringComparison.Ordinal))
            {
                map._layers[name[..^".weight".Length]] = (shape[0], shape[1]);
            }
        }

        foreach (var (module, (rows, _)) in map._layers)
        {
            var whole = new LoraSlice(module, LoraComponent.Transformer, LoraKeyFormat.Bfl, 0, rows, false);
            foreach (string prefix in s_bflPrefixes)
            {
                map.Add(prefix + module, whole);
            }

            map.Add("lora_unet_" + module.Replace('.', '_'), whole with { Format = LoraKeyFormat.Kohya });
        }

        int d = config.HiddenSize;
        for (int n = 0; n < config.DepthSingleBlocks; n++)
        {
            // ComfyUI's `single_blocks.N.linear1_qkv`: the attention rows [0, 3D) of the fused linear1.
            var qkv = new LoraSlice($"single_blocks.{n}.linear1", LoraComponent.Transformer, LoraKeyFormat.Bfl, 0, 3 * d, false);
            foreach (string prefix in s_bflPrefixes)
            {
                map.Add($"{prefix}single_blocks.{n}.linear1_qkv", qkv);
            }
        }

        foreach (var (diffusers, slice) in DiffusersNames(config))
        {
            foreach (string prefix in s_diffusersPrefixes)
            {
                map.Add(prefix + diffusers, slice);
            }

            string flat = diffusers.Replace('.', '_');
            map.Add("lora_transformer_" + flat, slice with { Format = LoraKeyFormat.OneTrainer });
            map.Add("lycoris_" + flat, slice with { Format = LoraKeyFormat.Lycoris });
        }

        foreach (var (xlabs, slice) in XLabsNames(config))
        {
            foreach (string prefix in s_xlabsPrefixes)
            {
                map.Add(prefix + xlabs, slice);
            }
        }

        return map;
    }

    /// <summary>The slice a stem patches, or false when the stem names nothing in this model.</summary>
    public bool TryResolve(string stem, out LoraSlice slice) =>
        _stems.TryGetValue(stem, out slice) || TryResolveTextEncoder(stem, out slice);

    /// <summary>diffusers module name → BFL slice (spec/lora.md §1.1, flux-transformer.md §11).</summary>
    private static IEnumerable<(string Diffusers, LoraSlice Slice)> DiffusersNames(FluxConfig config)
    {
        int d = config.HiddenSize;
        int mlp = config.MlpHiddenSize;
        static (string, LoraSlice) Whole(string diffusers, string bfl, int rows) =>
            (diffusers, new LoraSlice(bfl, LoraComponent.Transformer, LoraKeyFormat.Diffusers, 0, rows, false));
        static (string, LoraSlice) Rows(string diffusers, string bfl, int offset, int rows) =>
            (diffusers, new LoraSlice(bfl, LoraComponent.Transformer, LoraKeyFormat.Diffusers, offset, rows, false));

        yield return Whole("x_embedder", "img_in", d);
        yield return Whole("context_embedder", "txt_in", d);
        yield return Whole("time_text_embed.timestep_embedder.linear_1", "time_in.in_layer", d);
        yield return Whole("time_text_embed.timestep_embedder.linear_2", "time_in.out_layer", d);
        yield return Whole("time_text_embed.text_embedder.linear_1", "vector_in.in_layer", d);
        yield return Whole("time_text_embed.text_embedder.linear_2", "vector_in.out_layer", d);
        if (config.GuidanceEmbed)
        {
            yield return Whole("time_text_embed.guidance_embedder.linear_1", "guidance_in.in_layer", d);
            yield return Whole("time_text_embed.guidance_embedder.linear_2", "guidance_in.out_layer", d);
        }

        for (int n = 0; n < config.Depth; n++)
        {
            string t = $"transformer_blocks.{n}.", b = $"double_blocks.{n}.";
            yield return Whole(t + "norm1.linear", b + "img_mod.lin", 6 * d);
            yield return Whole(t + "norm1_context.linear", b + "txt_mod.lin", 6 * d);
            yield return Rows(t + "attn.to_q", b + "img_attn.qkv", 0, d);
            yield return Rows(t + "attn.to_k", b + "img_attn.qkv", d, d);
            yield return Rows(t + "attn.to_v", b + "img_attn.qkv", 2 * d, d);
            yield return Rows(t + "attn.add_q_proj", b + "txt_attn.qkv", 0, d);
            yield return Rows(t + "attn.add_k_proj", b + "txt_attn.qkv", d, d);
            yield return Rows(t + "attn.add_v_proj", b + "txt_attn.qkv", 2 * d, d);
            yield return Whole(t + "attn.to_out.0", b + "img_attn.proj", d);
            yield return Whole(t + "attn.to_add_out", b + "txt_attn.proj", d);
            yield return Whole(t + "ff.net.0.proj", b + "img_mlp.0", mlp);
            yield return Whole(t + "ff.net.2", b + "img_mlp.2", d);
            yield return Whole(t + "ff_context.net.0.proj", b + "txt_mlp.0", mlp);
            yield return Whole(t + "ff_context.net.2", b + "txt_mlp.2", d);
        }

        for (int n = 0; n < config.DepthSingleBlocks; n++)
        {
            string t = $"single_transformer_blocks.{n}.", b = $"single_blocks.{n}.";
            yield return Whole(t + "norm.linear", b + "modulation.lin", 3 * d);
            yield return Rows(t + "attn.to_q", b + "linear1", 0, d);
            yield return Rows(t + "attn.to_k", b + "linear1", d, d);
            yield return Rows(t + "attn.to_v", b + "linear1", 2 * d, d);
            yield return Rows(t + "proj_mlp", b + "linear1", 3 * d, mlp);
            yield return Whole(t + "proj_out", b + "linear2", d);
        }

        yield return Whole("proj_out", "final_layer.linear", config.InChannels);

        // diffusers' norm_out.linear is (scale, shift); BFL's final adaLN is (shift, scale).
        yield return ("norm_out.linear", new LoraSlice("final_layer.adaLN_modulation.1", LoraComponent.Transformer, LoraKeyFormat.Diffusers, 0, 2 * d, true));
    }

    /// <summary>XLabs' attention-processor LoRAs (diffusers' <c>_convert_xlabs_flux_lora_to_diffusers</c>).</summary>
    private static IEnumerable<(string XLabs, LoraSlice Slice)> XLabsNames(FluxConfig config)
    {
        int d = config.HiddenSize;
        static LoraSlice Slice(string bfl, int offset, int rows) =>
            new(bfl, LoraComponent.Transformer, LoraKeyFormat.XLabs, offset, rows, false);
        for (int n = 0; n < config.Depth; n++)
        {
            string b = $"double_blocks.{n}.";
            yield return (b + "processor.qkv_lora1", Slice(b + "img_attn.qkv", 0, 3 * d));
            yield return (b + "processor.qkv_lora2", Slice(b + "txt_attn.qkv", 0, 3 * d));
            yield return (b + "processor.proj_lora1", Slice(b + "img_attn.proj", 0, d));
            yield return (b + "processor.proj_lora2", Slice(b + "txt_attn.proj", 0, d));
        }

        for (int n = 0; n < config.DepthSingleBlocks; n++)
        {
            string b = $"single_blocks.{n}.";
            yield return (b + "processor.qkv_lora", Slice(b + "linear1", 0, 3 * d));
            yield return (b + "processor.proj_lora", Slice(b + "linear2", 0, d));
        }
    }

    private void Add(string stem, LoraSlice slice)
    {
        if (!_stems.TryAdd(stem, slice) && _stems[stem] != slice)
        {
            throw new InvalidOperationException($"LoRA stem '{stem}' maps to two layers ({_stems[stem].Module}, {slice.Module}).");
        }
    }

    private static bool TryResolveTextEncoder(string stem, out LoraSlice slice)
    {
        // CLIP-L: kohya `lora_te1_` (and SD1-style `lora_te_`), diffusers `text_encoder.`; ComfyUI's LORA_CLIP_MAP.
        var m = KohyaClip().Match(stem);
        if (m.Success)
        {
            string module = m.Groups["module"].Value switch
            {
                "mlp_fc1" => "mlp.fc1",
                "mlp_fc2" => "mlp.fc2",
                var attn => "self_attn." + attn["self_attn_".Length..],
            };
            slice = TextEncoderSlice($"text_model.encoder.layers.{Layer(m)}.{module}", LoraComponent.ClipText, LoraKeyFormat.KohyaTextEncoder);
            return true;
        }

        m = DiffusersClip().Match(stem);
        if (m.Success)
        {
            slice = TextEncoderSlice($"text_model.encoder.layers.{Layer(m)}.{m.Groups["module"].Value}", LoraComponent.ClipText, LoraKeyFormat.DiffusersTextEncoder);
            return true;
        }

        // T5-XXL: `lora_te2_`/`lora_te3_` (both name T5 for FLUX in ComfyUI), diffusers `text_encoder_2.`.
        m = KohyaT5().Match(stem);
        if (m.Success)
        {
            string module = m.Groups["module"].Value switch
            {
                var attn when attn.StartsWith("0_", StringComparison.Ordinal) => "layer.0.SelfAttention." + attn[^1..],
                var ff => "layer.1.DenseReluDense." + ff["1_DenseReluDense_".Length..],
            };
            slice = TextEncoderSlice($"encoder.block.{Layer(m)}.{module}", LoraComponent.T5, LoraKeyFormat.KohyaTextEncoder);
            return true;
        }

        m = DiffusersT5().Match(stem);
        if (m.Success)
        {
            slice = TextEncoderSlice($"encoder.block.{Layer(m)}.{m.Groups["module"].Value}", LoraComponent.T5, LoraKeyFormat.DiffusersTextEncoder);
            return true;
        }

        slice = default;
        return false;
    }

    private static string Layer(Match m) => int.Parse(m.Groups["layer"].Value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    private static LoraSlice TextEncoderSlice(string module, LoraComponent component, LoraKeyFormat format) =>
        new(module, component, format, 0, -1, false);

    [GeneratedRegex(@"^lora_te1?_text_model_encoder_layers_(?<layer>\d+)_(?<module>self_attn_(q|k|v|out)_proj|mlp_fc[12])$", RegexOptions.CultureInvariant)]
    private static partial Regex KohyaClip();

    [GeneratedRegex(@"^text_encoder\.text_model\.encoder\.layers\.(?<layer>\d+)\.(?<module>self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$", RegexOptions.CultureInvariant)]
    private static partial Regex DiffusersClip();

    [GeneratedRegex(@"^lora_te[23]_encoder_block_(?<layer>\d+)_layer_(?<module>0_SelfAttention_[qkvo]|1_DenseReluDense_(wi_0|wi_1|wo))$", RegexOptions.CultureInvariant)]
    private static partial Regex KohyaT5();

    [GeneratedRegex(@"^text_encoder_[23]\.encoder\.block\.(?<layer>\d+)\.(?<module>layer\.0\.SelfAttention\.[qkvo]|layer\.1\.DenseReluDense\.(wi_0|wi_1|wo))$", RegexOptions.CultureInvariant)]
    private static partial Regex DiffusersT5();
}
