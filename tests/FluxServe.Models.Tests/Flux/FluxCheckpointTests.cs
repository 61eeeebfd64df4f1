using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Flux;
using FluxServe.Testing;

namespace FluxServe.Models.Tests.Flux;

public sealed class FluxCheckpointTests
{
    private static string SchnellWeights => FixturePaths.Of("flux-tiny-schnell", "model.safetensors");

    private static string DevWeights => FixturePaths.Of("flux-tiny-dev", "model.safetensors");

    [Fact]
    public void Infers_schnell_configuration_from_the_tensors()
    {
        var (config, weights, layout) = FluxCheckpoint.Read(SchnellWeights, Device.Cpu);
        using (weights)
        {
            Assert.Equal(FluxCheckpointLayout.Bfl, layout);
            Assert.False(config.GuidanceEmbed);
            Assert.Equal(128, config.HiddenSize);
            Assert.Equal(2, config.NumHeads);
            Assert.Equal(512, config.MlpHiddenSize);
            Assert.Equal((2, 2), (config.Depth, config.DepthSingleBlocks));
            Assert.Equal([8, 28, 28], config.AxesDim);
            Assert.Equal((32, 48), (config.VecInDim, config.ContextInDim));
        }
    }

    [Fact]
    public void Infers_dev_from_the_guidance_embedding()
    {
        var (config, weights, _) = FluxCheckpoint.Read(DevWeights, Device.Cpu);
        using (weights)
        {
            Assert.True(config.GuidanceEmbed);
            Assert.Equal("dev", config.Variant);
        }
    }

    [Fact]
    public void Comfy_prefixed_and_diffusers_layouts_give_the_same_weights_as_the_bfl_file()
    {
        using var tmp = new TempFolder();
        FluxLayouts.WriteComfyUi(DevWeights, tmp.File("comfy.safetensors"));
        FluxLayouts.WriteDiffusers(DevWeights, tmp.File("diffusers"));
        var (_, bfl, _) = FluxCheckpoint.Read(DevWeights, Device.Cpu);
        using (bfl)
        {
            foreach (var (path, expectedLayout) in new[] { (tmp.File("comfy.safetensors"), FluxCheckpointLayout.ComfyUi), (tmp.File("diffusers"), FluxCheckpointLayout.Diffusers) })
            {
                var (_, other, layout) = FluxCheckpoint.Read(path, Device.Cpu);
                using (other)
                {
                    Assert.Equal(expectedLayout, layout);
                    Assert.Equal(bfl.Names.Order(StringComparer.Ordinal), other.Names.Order(StringComparer.Ordinal));
                    foreach (string name in bfl.Names)
                    {
                        Assert.True(bfl[name].AsBytes().SequenceEqual(other[name].AsBytes()), $"{layout}: {name} differs");
                    }
                }
            }
        }
    }

    [Fact]
    public void Diffusers_norm_out_is_swapped_back_to_bfl_order()
    {
        using var tmp = new TempFolder();
        FluxLayouts.WriteDiffusers(SchnellWeights, tmp.File("right"));
        FluxLayouts.WriteDiffusers(SchnellWeights, tmp.File("unswapped"), swapNormOut: false);
        var (_, right, _) = FluxCheckpoint.Read(tmp.File("right"), Device.Cpu);
        var (_, wrong, _) = FluxCheckpoint.Read(tmp.File("unswapped"), Device.Cpu);
        using (right)
        using (wrong)
        {
            const string name = "final_layer.adaLN_modulation.1.bias";
            Assert.False(right[name].AsBytes().SequenceEqual(wrong[name].AsBytes()));
            using var source = SafetensorsFile.Open(SchnellWeights);
            using var original = source.GetTensor(name);
            Assert.True(right[name].AsBytes().SequenceEqual(original.AsBytes()));
        }
    }

    /// <summary>
    /// A diffusers file written without the norm_out swap has valid names and shapes, so no reader can refuse it by
    /// inspection; what proves the reader applies the swap is that such a file no longer reproduces the reference
    /// prediction while the correctly written one does.
    /// </summary>
    [Fact]
    public void Only_the_swapped_diffusers_layout_reproduces_the_reference_prediction()
    {
        using var tmp = new TempFolder();
        FluxLayouts.WriteDiffusers(SchnellWeights, tmp.File("right"));
        FluxLayouts.WriteDiffusers(SchnellWeights, tmp.File("unswapped"), swapNormOut: false);
        using var cases = SafetensorsFile.Open(FixturePaths.Of("flux-tiny-schnell", "cases.safetensors"));
        using var img = cases.GetTensor("square_t0p5.in.img");
        using var imgIds = cases.GetTensor("square_t0p5.in.img_ids");
        using var txt = cases.GetTensor("square_t0p5.in.txt");
        using var txtIds = cases.GetTensor("square_t0p5.in.txt_ids");
        using var y = cases.GetTensor("square_t0p5.in.y");
        using var expected = cases.GetTensor("square_t0p5.out.pred");
        float[] reference = expected.ToArray<float>();
        float maxAbs = reference.Max(MathF.Abs);
        float WorstError(string folder)
        {
            using var model = FluxCheckpoint.Load(folder);
            using var pred = model.Forward(img, imgIds, txt, txtIds, [0.5f], y);
            return pred.ToArray<float>().Zip(reference, (a, e) => MathF.Abs(a - e)).Max();
        }

        Assert.True(WorstError(tmp.File("right")) <= 1e-4f * maxAbs);
        Assert.True(WorstError(tmp.File("unswapped")) > 1e-2f * maxAbs);
    }

    [Fact]
    public void Missing_tensor_is_named_with_its_expected_shape()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("missing.safetensors");
        Rewrite(SchnellWeights, path, drop: "double_blocks.1.txt_mlp.2.bias");
        var ex = Assert.Throws<CheckpointException>(() => FluxCheckpoint.Read(path, Device.Cpu));
        Assert.Contains("double_blocks.1.txt_mlp.2.bias", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[128]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_tensor_is_named()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("extra.safetensors");
        Rewrite(SchnellWeights, path, add: ("double_blocks.0.img_attn.extra.weight", Tensor.FromArray([1f, 2f, 3f], 3)));
        var ex = Assert.Throws<CheckpointException>(() => FluxCheckpoint.Read(path, Device.Cpu));
        Assert.Contains("unexpected tensor 'double_blocks.0.img_attn.extra.weight'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Misshapen_tensor_is_named_with_both_shapes()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("misshapen.safetensors");
        Rewrite(SchnellWeights, path, drop: "single_blocks.0.linear2.weight", add: ("single_blocks.0.linear2.weight", Tensor.Zeros([128, 600])));
        var ex = Assert.Throws<CheckpointException>(() => FluxCheckpoint.Read(path, Device.Cpu));
        Assert.Contains("single_blocks.0.linear2.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[128, 600]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected [128, 640]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diffusers_folder_missing_a_split_projection_names_it()
    {
        using var tmp = new TempFolder();
        FluxLayouts.WriteDiffusers(SchnellWeights, tmp.File("d"), shards: 1);
        string shard = Directory.GetFiles(Path.Combine(tmp.File("d"), "transformer"), "*.safetensors").Single();
        string copy = shard + ".tmp";
        Rewrite(shard, copy, drop: "single_transformer_blocks.1.proj_mlp.weight");
        File.Move(copy, shard, overwrite: true);
        File.Delete(Path.Combine(tmp.File("d"), "transformer", "diffusion_pytorch_model.safetensors.index.json"));
        var ex = Assert.Throws<CheckpointException>(() => FluxCheckpoint.Read(tmp.File("d"), Device.Cpu));
        Assert.Contains("single_transformer_blocks.1.proj_mlp.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_another_model_is_refused_clearly()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("other.safetensors");
        using (var t = Tensor.Zeros([4, 4]))
        {
            SafetensorsWriter.Write(path, [new("encoder.conv_in.weight", t)]);
        }

        var ex = Assert.Throws<CheckpointException>(() => FluxCheckpoint.Read(path, Device.Cpu));
        Assert.Contains("is not a FLUX.1 transformer", ex.Message, StringComparison.Ordinal);
    }

    private static void Rewrite(string source, string destination, string? drop = null, (string Name, Tensor Tensor)? add = null)
    {
        using var file = SafetensorsFile.Open(source);
        var tensors = file.Entries.Where(e => e.Name != drop).Select(e => new KeyValuePair<string, Tensor>(e.Name, file.GetTensor(e.Name))).ToList();
        if (add is { } extra)
        {
            tensors.Add(new(extra.Name, extra.Tensor));
        }

        try
        {
            SafetensorsWriter.Write(destination, tensors);
        }
        finally
        {
            tensors.ForEach(t => t.Value.Dispose());
        }
    }
}
