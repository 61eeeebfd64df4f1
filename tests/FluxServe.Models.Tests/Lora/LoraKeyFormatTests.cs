using FluxServe.Engine;
using FluxServe.Models.Layers;
using FluxServe.Models.Lora;
using static FluxServe.Models.Tests.Lora.LoraReference;

namespace FluxServe.Models.Tests.Lora;

/// <summary>
/// Each key format of spec/lora.md §2 and adapter type of §3 lands on the right BFL layer, rows and scale: checked
/// through the merge (ΔW on a zero weight) and the run-time side path of a named Linear, both against ΔW computed
/// here in double from the file's values.
/// </summary>
public sealed class LoraKeyFormatTests : IDisposable
{
    private const int D = 128;
    private const int Mlp = 512;
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Kohya_fused_qkv_and_single_linear1_patch_the_whole_bfl_tensor_with_alpha_over_rank()
    {
        var file = new LoraFileBuilder(1);
        var (up, down) = file.AddPair("lora_unet_double_blocks_0_img_attn_qkv", ".lora_up.weight", ".lora_down.weight", 3 * D, 3, D);
        file.AddScalar("lora_unet_double_blocks_0_img_attn_qkv.alpha", 6f);
        var (up1, down1) = file.AddPair("lora_unet_single_blocks_1_linear1", ".lora_up.weight", ".lora_down.weight", (3 * D) + Mlp, 4, D);
        using var adapter = Load(file);

        Assert.Equal([LoraKeyFormat.Kohya], adapter.Summary.Formats);
        Assert.Equal([LoraAdapterKind.LoRA], adapter.Summary.Kinds);
        Assert.Equal(2, adapter.Summary.TransformerLayers);
        var qkv = new double[3 * D, D];
        AddBlock(qkv, up.Times(down), 6.0 / 3);
        CheckLayer(adapter, "double_blocks.0.img_attn.qkv", qkv);
        var linear1 = new double[(3 * D) + Mlp, D];
        AddBlock(linear1, up1.Times(down1), 1.0); // no alpha: scale 1
        CheckLayer(adapter, "single_blocks.1.linear1", linear1);
    }

    [Fact]
    public void Bfl_native_keys_with_or_without_prefix_and_comfy_linear1_qkv()
    {
        var file = new LoraFileBuilder(2);
        var (up, down) = file.AddPair("diffusion_model.single_blocks.0.linear1", ".lora_B.weight", ".lora_A.weight", (3 * D) + Mlp, 2, D);
        file.AddScalar("diffusion_model.single_blocks.0.linear1.alpha", 1f);
        var (upQkv, downQkv) = file.AddPair("diffusion_model.single_blocks.0.linear1_qkv", ".lora_up.weight", ".lora_down.weight", 3 * D, 2, D);
        var (upIn, downIn) = file.AddPair("img_in", ".lora_B.weight", ".lora_A.weight", D, 4, 64);
        using var adapter = Load(file);

        Assert.Equal([LoraKeyFormat.Bfl], adapter.Summary.Formats);
        var linear1 = new double[(3 * D) + Mlp, D];
        AddBlock(linear1, up.Times(down), 0.5);
        AddBlock(linear1, upQkv.Times(downQkv), 1.0); // rows [0, 3D) only
        CheckLayer(adapter, "single_blocks.0.linear1", linear1);
        var imgIn = new double[D, 64];
        AddBlock(imgIn, upIn.Times(downIn), 1.0);
        CheckLayer(adapter, "img_in", imgIn);
    }

    [Fact]
    public void Diffusers_split_projections_land_on_their_row_blocks_each_with_its_own_A_and_alpha()
    {
        var file = new LoraFileBuilder(3);
        string t = "transformer.single_transformer_blocks.1.";
        var q = file.AddPair(t + "attn.to_q", ".lora_B.weight", ".lora_A.weight", D, 4, D);
        file.AddScalar(t + "attn.to_q.alpha", 8f);
        var k = file.AddPair(t + "attn.to_k", ".lora_B.weight", ".lora_A.weight", D, 2, D);
        file.AddScalar(t + "attn.to_k.alpha", 1f);
        var v = file.AddPair(t + "attn.to_v", ".lora_B.weight", ".lora_A.weight", D, 4, D); // no alpha: scale 1
        var mlp = file.AddPair(t + "proj_mlp", ".lora_B.weight", ".lora_A.weight", Mlp, 4, D);
        file.AddScalar(t + "proj_mlp.alpha", 2f);

        // PEFT's own prefix, on the text stream's fused qkv.
        var addK = file.AddPair("base_model.model.transformer_blocks.0.attn.add_k_proj", ".lora_B.weight", ".lora_A.weight", D, 4, D);
        using var adapter = Load(file);

        Assert.Equal([LoraKeyFormat.Diffusers], adapter.Summary.Formats);
        Assert.True(adapter.TryGetTarget("single_blocks.1.linear1", out var target));
        Assert.Equal(4, target.Stems.Count);
        var linear1 = new double[(3 * D) + Mlp, D];
        AddBlock(linear1, q.Up.Times(q.Down), 2.0, 0);
        AddBlock(linear1, k.Up.Times(k.Down), 0.5, D);
        AddBlock(linear1, v.Up.Times(v.Down), 1.0, 2 * D);
        AddBlock(linear1, mlp.Up.Times(mlp.Down), 0.5, 3 * D);
        CheckLayer(adapter, "single_blocks.1.linear1", linear1);
        var txtQkv = new double[3 * D, D];
        AddBlock(txtQkv, addK.Up.Times(addK.Down), 1.0, D);
        CheckLayer(adapter, "double_blocks.0.txt_attn.qkv", txtQkv);
    }

    [Fact]
    public void Splits_that_share_A_share_rank_and_give_the_fused_update()
    {
        // What diffusers' kohya converter writes: one A copied to q, k and v, B split by rows. The combined side path
        // keeps rank r (not 3r), and the update equals the fused kohya pair's.
        var fused = new LoraFileBuilder(4);
        var (up, down) = fused.AddPair("lora_unet_double_blocks_1_img_attn_qkv", ".lora_up.weight", ".lora_down.weight", 3 * D, 4, D);
        var split = new LoraFileBuilder(4);
        string[] parts = ["to_q", "to_k", "to_v"];
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int p = 0; p < 3; p++)
        {
            string stem = $"transformer.transformer_blocks.1.attn.{parts[p]}";
            tensors.Add(new(stem + ".lora_A.weight", Tensor.FromArray(down.Values, 4, D)));
            tensors.Add(new(stem + ".lora_B.weight", Tensor.FromArray(up.Values.AsSpan(p * D * 4, D * 4).ToArray(), D, 4)));
        }

        string splitPath = _tmp.File("split.safetensors");
        Engine.Safetensors.SafetensorsWriter.Write(splitPath, tensors);
        foreach (var (_, t) in tensors)
        {
            t.Dispose();
        }

        using var a = Load(fused);
        using var b = LoraAdapter.Load(splitPath, TinyDev);
        Assert.True(b.TryGetTarget("double_blocks.1.img_attn.qkv", out var target));
        Assert.Equal(4, target.Rank);
        Assert.Equal(MergedDelta(a, "double_blocks.1.img_attn.qkv", 3 * D, D), MergedDelta(b, "double_blocks.1.img_attn.qkv", 3 * D, D));
    }

    [Fact]
    public void Diffusers_norm_out_halves_are_swapped_into_bfl_order()
    {
        var file = new LoraFileBuilder(5);
        var (up, down) = file.AddPair("transformer.norm_out.linear", ".lora_B.weight", ".lora_A.weight", 2 * D, 4, D);
        file.AddScalar("transformer.norm_out.linear.alpha", 2f);
        var (upOut, downOut) = file.AddPair("transformer.proj_out", ".lora_B.weight", ".lora_A.weight", 64, 4, D);
        using var adapter = Load(file);

        var ada = new double[2 * D, D];
        AddBlock(ada, up.Times(down), 0.5, 0, swapHalves: true);
        CheckLayer(adapter, "final_layer.adaLN_modulation.1", ada);
        var linear = new double[64, D];
        AddBlock(linear, upOut.Times(downOut), 1.0);
        CheckLayer(adapter, "final_layer.linear", linear);
    }

    [Theory]
    [InlineData("_lora.up.weight", "_lora.down.weight")]
    [InlineData(".lora.up.weight", ".lora.down.weight")]
    [InlineData(".lora_linear_layer.up.weight", ".lora_linear_layer.down.weight")]
    [InlineData(".lora_B", ".lora_A")]
    [InlineData(".lora_B.default.weight", ".lora_A.default.weight")]
    public void Older_diffusers_and_transformers_suffixes_map_like_lora_B_and_lora_A(string upSuffix, string downSuffix)
    {
        var file = new LoraFileBuilder(6);
        var (up, down) = file.AddPair("transformer.transformer_blocks.1.attn.to_v", upSuffix, downSuffix, D, 4, D);
        var (upCtx, downCtx) = file.AddPair("transformer.context_embedder", upSuffix, downSuffix, D, 4, 48);
        using var adapter = Load(file);

        var qkv = new double[3 * D, D];
        AddBlock(qkv, up.Times(down), 1.0, 2 * D);
        CheckLayer(adapter, "double_blocks.1.img_attn.qkv", qkv);
        var txtIn = new double[D, 48];
        AddBlock(txtIn, upCtx.Times(downCtx), 1.0);
        CheckLayer(adapter, "txt_in", txtIn);
    }

    [Fact]
    public void OneTrainer_and_SimpleTuner_lycoris_keys_use_the_diffusers_path_with_underscores()
    {
        var file = new LoraFileBuilder(7);
        var (up, down) = file.AddPair("lora_transformer_single_transformer_blocks_0_proj_mlp", ".lora_up.weight", ".lora_down.weight", Mlp, 4, D);
        file.AddScalar("lora_transformer_single_transformer_blocks_0_proj_mlp.alpha", 2f);
        var (upMod, downMod) = file.AddPair("lycoris_transformer_blocks_0_norm1_context_linear", ".lora_up.weight", ".lora_down.weight", 6 * D, 4, D);
        file.AddScalar("lycoris_transformer_blocks_0_norm1_context_linear.alpha", 4f);
        var (upT, downT) = file.AddPair("lora_transformer_time_text_embed_guidance_embedder_linear_1", ".lora_up.weight", ".lora_down.weight", D, 2, 256);
        using var adapter = Load(file);

        Assert.Equal([LoraKeyFormat.OneTrainer, LoraKeyFormat.Lycoris], adapter.Summary.Formats);
        var linear1 = new double[(3 * D) + Mlp, D];
        AddBlock(linear1, up.Times(down), 0.5, 3 * D);
        CheckLayer(adapter, "single_blocks.0.linear1", linear1);
        var mod = new double[6 * D, D];
        AddBlock(mod, upMod.Times(downMod), 1.0);
        CheckLayer(adapter, "double_blocks.0.txt_mod.lin", mod);
        var guidance = new double[D, 256];
        AddBlock(guidance, upT.Times(downT), 1.0);
        CheckLayer(adapter, "guidance_in.in_layer", guidance);
    }

    [Fact]
    public void XLabs_processor_loras_patch_the_fused_attention_layers_with_scale_one()
    {
        var file = new LoraFileBuilder(8);
        var img = file.AddPair("double_blocks.1.processor.qkv_lora1", ".up.weight", ".down.weight", 3 * D, 4, D);
        var txt = file.AddPair("double_blocks.1.processor.qkv_lora2", ".up.weight", ".down.weight", 3 * D, 4, D);
        var proj = file.AddPair("diffusion_model.double_blocks.1.processor.proj_lora2", ".up.weight", ".down.weight", D, 4, D);
        var single = file.AddPair("single_blocks.0.processor.qkv_lora", ".up.weight", ".down.weight", 3 * D, 4, D);
        using var adapter = Load(file);

        Assert.Equal([LoraKeyFormat.XLabs], adapter.Summary.Formats);
        foreach (var (layer, pair) in new[] { ("double_blocks.1.img_attn.qkv", img), ("double_blocks.1.txt_attn.qkv", txt) })
        {
            var delta = new double[3 * D, D];
            AddBlock(delta, pair.Up.Times(pair.Down), 1.0);
            CheckLayer(adapter, layer, delta);
        }

        var projDelta = new double[D, D];
        AddBlock(projDelta, proj.Up.Times(proj.Down), 1.0);
        CheckLayer(adapter, "double_blocks.1.txt_attn.proj", projDelta);
        var linear1 = new double[(3 * D) + Mlp, D];
        AddBlock(linear1, single.Up.Times(single.Down), 1.0);
        CheckLayer(adapter, "single_blocks.0.linear1", linear1);
    }

    [Fact]
    public void LoHa_is_the_hadamard_product_of_two_low_rank_products_scaled_by_alpha_over_w1b_rows()
    {
        var file = new LoraFileBuilder(9);
        string stem = "lycoris_single_transformer_blocks_1_proj_out";
        var w1a = file.Add(stem + ".hada_w1_a", D, 4);
        var w1b = file.Add(stem + ".hada_w1_b", 4, D + Mlp);
        var w2a = file.Add(stem + ".hada_w2_a", D, 3);
        var w2b = file.Add(stem + ".hada_w2_b", 3, D + Mlp);
        file.AddScalar(stem + ".alpha", 2f);
        using var adapter = Load(file);

        Assert.Equal([LoraAdapterKind.LoHa], adapter.Summary.Kinds);
        double[,] p1 = w1a.Times(w1b), p2 = w2a.Times(w2b);
        var delta = new double[D, D + Mlp];
        for (int r = 0; r < D; r++)
        {
            for (int c = 0; c < D + Mlp; c++)
            {
                delta[r, c] = 0.5 * p1[r, c] * p2[r, c];
            }
        }

        CheckLayer(adapter, "single_blocks.1.linear2", delta);
    }

    [Fact]
    public void LoKr_is_a_kronecker_product_on_whole_layers_and_on_split_rows()
    {
        var file = new LoraFileBuilder(10);
        string stem = "lora_unet_double_blocks_0_img_attn_proj";
        var w1 = file.Add(stem + ".lokr_w1", 8, 4);
        var w2a = file.Add(stem + ".lokr_w2_a", 16, 2);
        var w2b = file.Add(stem + ".lokr_w2_b", 2, 32);
        file.AddScalar(stem + ".alpha", 4f);
        string split = "transformer.transformer_blocks.0.attn.to_k";
        var s1 = file.Add(split + ".lokr_w1", 4, 8);
        var s2 = file.Add(split + ".lokr_w2", 32, 16);
        file.AddScalar(split + ".alpha", 4f); // neither factor decomposed: scale 1 (ComfyUI)
        using var adapter = Load(file);

        Assert.Equal([LoraAdapterKind.LoKr], adapter.Summary.Kinds);
        CheckLayer(adapter, "double_blocks.0.img_attn.proj", Kron(w1.Times(Identity(4)), w2a.Times(w2b), 2.0, D, D, 0));
        CheckLayer(adapter, "double_blocks.0.img_attn.qkv", Kron(s1.Times(Identity(8)), s2.Times(Identity(16)), 1.0, 3 * D, D, D));
    }

    [Fact]
    public void Full_weight_and_bias_differences_are_added_times_strength()
    {
        var file = new LoraFileBuilder(11);
        var diff = file.Add("diffusion_model.vector_in.out_layer.diff", D, D);
        double[] bias = [.. file.AddVector("diffusion_model.vector_in.out_layer.diff_b", D).Select(v => (double)v)];
        using var adapter = Load(file);

        Assert.Equal([LoraAdapterKind.Difference], adapter.Summary.Kinds);
        var delta = new double[D, D];
        AddBlock(delta, diff.Times(Identity(D)), 1.0);
        CheckLayer(adapter, "vector_in.out_layer", delta, bias);
    }

    [Fact]
    public void A_bf16_file_keeps_its_tensors_in_bf16()
    {
        var reference = new LoraFileBuilder(12); // same seed: the same bf16-rounded values, never written
        var bf16 = new LoraFileBuilder(12);
        var (up, down) = reference.AddPair("lora_unet_txt_in", ".lora_up.weight", ".lora_down.weight", D, 8, 48, DType.BF16);
        bf16.AddPair("lora_unet_txt_in", ".lora_up.weight", ".lora_down.weight", D, 8, 48, DType.BF16);
        bf16.AddScalar("lora_unet_txt_in.alpha", 8f, DType.BF16);
        using var a = Load(bf16);

        Assert.Equal((long)((D * 8) + (8 * 48)) * 2, a.Summary.ByteLength);
        var delta = new double[D, 48];
        AddBlock(delta, up.Times(down), 1.0);
        CheckLayer(a, "txt_in", delta);
    }

    [Fact]
    public void Text_encoder_keys_are_loaded_as_clip_and_t5_targets_and_counted()
    {
        var file = new LoraFileBuilder(13);
        var clip = file.AddPair("lora_te1_text_model_encoder_layers_3_self_attn_q_proj", ".lora_up.weight", ".lora_down.weight", 32, 4, 32);
        file.AddScalar("lora_te1_text_model_encoder_layers_3_self_attn_q_proj.alpha", 2f);
        file.AddPair("text_encoder.text_model.encoder.layers.0.mlp.fc2", ".lora_B.weight", ".lora_A.weight", 32, 4, 64);
        var t5 = file.AddPair("lora_te2_encoder_block_1_layer_1_DenseReluDense_wi_0", ".lora_up.weight", ".lora_down.weight", 40, 2, 48);
        file.AddPair("lora_unet_img_in", ".lora_up.weight", ".lora_down.weight", D, 4, 64);
        using var adapter = Load(file);

        var s = adapter.Summary;
        Assert.Equal((1, 2, 1, 7), (s.TransformerLayers, s.ClipTextLayers, s.T5Layers, s.TextEncoderKeys));
        Assert.Contains("text encoders", s.ToString(), StringComparison.Ordinal);
        Assert.True(adapter.TryGetTarget("text_model.encoder.layers.3.self_attn.q_proj", out var q));
        Assert.Equal(LoraComponent.ClipText, q.Component);
        Assert.True(adapter.TryGetTarget("encoder.block.1.layer.1.DenseReluDense.wi_0", out var wi));
        Assert.Equal(LoraComponent.T5, wi.Component);

        var qDelta = new double[32, 32];
        AddBlock(qDelta, clip.Up.Times(clip.Down), 0.5);
        CheckLayer(adapter, "text_model.encoder.layers.3.self_attn.q_proj", qDelta);
        var wiDelta = new double[40, 48];
        AddBlock(wiDelta, t5.Up.Times(t5.Down), 1.0);
        CheckLayer(adapter, "encoder.block.1.layer.1.DenseReluDense.wi_0", wiDelta);
    }

    [Fact]
    public void Text_encoder_strength_is_separate_from_the_transformer_strength()
    {
        var file = new LoraFileBuilder(14);
        file.AddPair("lora_te1_text_model_encoder_layers_0_mlp_fc1", ".lora_up.weight", ".lora_down.weight", 16, 2, 8);
        using var adapter = Load(file);
        var random = new Random(3);
        using var w = Tensor.FromArray(LoraReference.Random(random, 16 * 8), 16, 8);
        using var x = Tensor.FromArray(LoraReference.Random(random, 8), 1, 8);
        var layer = new LinearLayer(w, null) { Name = "text_model.encoder.layers.0.mlp.fc1" };
        using var plain = layer.Forward(x);
        using (LoraScope.Begin(new LoraActivation(adapter, Strength: 1f, TextEncoderStrength: 0f)))
        {
            using var y = layer.Forward(x);
            Assert.Equal(plain.ToArray<float>(), y.ToArray<float>());
        }

        using (LoraScope.Begin(new LoraActivation(adapter, Strength: 0f, TextEncoderStrength: 1f)))
        {
            using var y = layer.Forward(x);
            Assert.NotEqual(plain.ToArray<float>(), y.ToArray<float>());
        }
    }

    [Fact]
    public void Unknown_and_unmatched_keys_are_an_error_that_names_them()
    {
        var file = new LoraFileBuilder(15);
        file.AddPair("lora_unet_double_blocks_0_img_attn_qkv", ".lora_up.weight", ".lora_down.weight", 3 * D, 4, D);
        file.AddPair("lora_unet_double_blocks_7_img_attn_qkv", ".lora_up.weight", ".lora_down.weight", 3 * D, 4, D); // block 7 of 2
        file.Add("transformer.some_new_module.weight", 4, 4);
        var ex = Assert.Throws<LoraFormatException>(() => Load(file));
        Assert.Contains("'lora_unet_double_blocks_7_img_attn_qkv.lora_up.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_double_blocks_7_img_attn_qkv.lora_down.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'transformer.some_new_module.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 key(s) match no layer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_where_nothing_maps_is_rejected()
    {
        var file = new LoraFileBuilder(16);
        file.AddPair("model.layers.0.self_attn.q_proj", ".lora_B.weight", ".lora_A.weight", 8, 2, 8);
        var ex = Assert.Throws<LoraFormatException>(() => Load(file));
        Assert.Contains("model.layers.0.self_attn.q_proj.lora_A.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_adapter_types_are_named_with_the_reason()
    {
        var file = new LoraFileBuilder(17);
        file.AddPair("lora_unet_img_in", ".lora_up.weight", ".lora_down.weight", D, 4, 64);
        file.Add("lora_unet_img_in.lora_mid.weight", 4, 4);
        file.Add("lora_unet_txt_in.oft_blocks", 4, 4);
        file.Add("lora_unet_final_layer_linear.a1.weight", 4, 4);
        file.Add("lora_unet_img_in.dora_scale", 1, 63);
        var ex = Assert.Throws<LoraFormatException>(() => Load(file));
        Assert.Contains("'lora_unet_img_in.lora_mid.weight': LoCon Tucker", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_txt_in.oft_blocks': OFT", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_final_layer_linear.a1.weight': GLoRA", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_img_in.dora_scale' has shape [1, 63]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_that_do_not_fit_the_target_are_named_with_both_shapes()
    {
        var file = new LoraFileBuilder(18);
        file.AddPair("transformer.transformer_blocks.0.attn.to_q", ".lora_B.weight", ".lora_A.weight", 3 * D, 4, D); // a fused up on a split name
        file.AddPair("lora_unet_img_in", ".lora_up.weight", ".lora_down.weight", D, 4, 128);                        // wrong input width
        file.Add("lora_unet_txt_in.lora_up.weight", D, 4);
        file.Add("lora_unet_txt_in.lora_down.weight", 8, 48);                                                        // rank 4 vs 8
        file.Add("lora_unet_final_layer_linear.lora_up.weight", 64, 4);                                              // no down
        var ex = Assert.Throws<LoraFormatException>(() => Load(file));
        Assert.Contains("'transformer.transformer_blocks.0.attn.to_q' up has shape [384, 4] but rows [0, 128) of 'double_blocks.0.img_attn.qkv' need 128 rows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_img_in' down has shape [4, 128] but 'img_in' takes 64 input features", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_txt_in' up [128, 4] and down [8, 48] disagree on the rank", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'lora_unet_final_layer_linear' has an up matrix", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alpha_only_in_the_metadata_is_a_warning_and_ignored_like_comfyui()
    {
        var file = new LoraFileBuilder(19);
        var (up, down) = file.AddPair("transformer.x_embedder", ".lora_B.weight", ".lora_A.weight", D, 4, 64);
        file.Metadata["lora_adapter_metadata"] = """{"r": 4, "lora_alpha": 8}""";
        using var adapter = Load(file);
        var warning = Assert.Single(adapter.Summary.Warnings);
        Assert.Contains("lora_alpha 8 and r 4", warning, StringComparison.Ordinal);
        var delta = new double[D, 64];
        AddBlock(delta, up.Times(down), 1.0);
        CheckLayer(adapter, "img_in", delta);
    }

    private LoraAdapter Load(LoraFileBuilder file) =>
        LoraAdapter.Load(file.Write(_tmp.File(Guid.NewGuid().ToString("N") + ".safetensors")), TinyDev);

    private static Matrix Identity(int n)
    {
        var v = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1;
        }

        return new Matrix(v, n, n);
    }

    /// <summary>scale·kron(a, b) placed at row <paramref name="rowOffset"/> of a [rows, cols] zero matrix.</summary>
    private static double[,] Kron(double[,] a, double[,] b, double scale, int rows, int cols, int rowOffset)
    {
        var k = new double[rows, cols];
        int ar = a.GetLength(0), ac = a.GetLength(1), br = b.GetLength(0), bc = b.GetLength(1);
        for (int i1 = 0; i1 < ar; i1++)
        {
            for (int j1 = 0; j1 < ac; j1++)
            {
                for (int i2 = 0; i2 < br; i2++)
                {
                    for (int j2 = 0; j2 < bc; j2++)
                    {
                        k[rowOffset + (i1 * br) + i2, (j1 * bc) + j2] = scale * a[i1, j1] * b[i2, j2];
                    }
                }
            }
        }

        return k;
    }
}
