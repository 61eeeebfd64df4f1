using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Clip;
using FluxServe.Models.T5;
using FluxServe.Testing;

namespace FluxServe.Models.Tests.TextEncoders;

/// <summary>The text-encoder loaders accept each real layout, built here from the fixture weights by the documented renaming.</summary>
public sealed class TextEncoderCheckpointTests
{
    private static string ClipWeights => FixturePaths.Of("clip-text-tiny", "model.safetensors");

    private static string T5Weights => FixturePaths.Of("t5-tiny", "model.safetensors");

    [Fact]
    public void Clip_loads_from_an_hf_folder_with_its_config()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "text_encoder");
        Directory.CreateDirectory(dir);
        File.Copy(ClipWeights, Path.Combine(dir, "model.safetensors"));
        File.Copy(FixturePaths.Of("clip-text-tiny", "config.json"), Path.Combine(dir, "config.json"));
        using var encoder = ClipTextCheckpoint.Load(tmp.Path);
        Assert.Equal(new ClipTextConfig { VocabSize = 49408, HiddenSize = 32, Layers = 2, Heads = 4, IntermediateSize = 37 }, encoder.Config);
    }

    [Fact]
    public void Clip_and_t5_load_from_a_comfyui_all_in_one_checkpoint_and_give_the_same_outputs()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("flux1-all-in-one.safetensors");
        WriteRenamed(file, (ClipWeights, "text_encoders.clip_l.transformer."), (T5Weights, "text_encoders.t5xxl.transformer."));

        // CLIP's head count is not in its tensors: the tiny model's comes from a config.json beside the file.
        File.Copy(FixturePaths.Of("clip-text-tiny", "config.json"), tmp.File("config.json"));
        using var ids = Tensor.FromSpan<long>([49406, 320, 1125, 539, 320, 2368, 49407, 49407], [1, 8], DType.I64);
        using (var clip = ClipTextCheckpoint.Load(file))
        using (var clipReference = ClipTextCheckpoint.Load(ClipWeights))
        {
            var (h1, p1) = clip.Forward(ids);
            var (h2, p2) = clipReference.Forward(ids);
            Assert.Equal(h2.ToArray<float>(), h1.ToArray<float>());
            Assert.Equal(p2.ToArray<float>(), p1.ToArray<float>());
            foreach (var t in new[] { h1, p1, h2, p2 })
            {
                t.Dispose();
            }
        }

        using var t5 = T5Checkpoint.Load(file);
        using var reference = T5Checkpoint.Load(T5Weights);
        using var t5Ids = Tensor.FromSpan<long>([8774, 296, 1, 0, 0], [1, 5], DType.I64);
        using var a = t5.Forward(t5Ids);
        using var b = reference.Forward(t5Ids);
        Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
    }

    [Fact]
    public void T5_loads_from_a_sharded_hf_folder_with_both_embedding_names()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "text_encoder_2");
        Directory.CreateDirectory(dir);
        using (var source = SafetensorsFile.Open(T5Weights))
        {
            var all = source.Entries.Select(e => new KeyValuePair<string, Tensor>(e.Name, source.GetTensor(e.Name))).ToList();
            all.Add(new("encoder.embed_tokens.weight", source.GetTensor("shared.weight")));
            var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
            int half = all.Count / 2;
            for (int s = 0; s < 2; s++)
            {
                string name = $"model-0000{s + 1}-of-00002.safetensors";
                var part = s == 0 ? all.Take(half).ToList() : all.Skip(half).ToList();
                SafetensorsWriter.Write(Path.Combine(dir, name), part);
                part.ForEach(p => map[p.Key] = name);
            }

            all.ForEach(t => t.Value.Dispose());
            File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
        }

        using var encoder = T5Checkpoint.Load(tmp.Path);
        Assert.Equal(new T5Config { DModel = 48, Heads = 3, DKv = 16, DFf = 64, Layers = 2 }, encoder.Config);
    }

    [Fact]
    public void T5_fp16_and_scaled_fp8_files_load_and_stay_close_to_fp32()
    {
        using var tmp = new TempFolder();
        WriteCast(T5Weights, tmp.File("t5xxl_fp16.safetensors"), DType.F16, scaled: false);
        WriteCast(T5Weights, tmp.File("t5xxl_fp8_e4m3fn_scaled.safetensors"), DType.F8E4M3FN, scaled: true);
        using var ids = Tensor.FromSpan<long>([8774, 296, 3, 9, 1202, 13, 1, 0], [1, 8], DType.I64);
        using var reference = T5Checkpoint.Load(T5Weights);
        using var expected = reference.Forward(ids);
        float maxAbs = expected.ToArray<float>().Max(MathF.Abs);
        foreach (var (file, tolerance) in new[] { ("t5xxl_fp16.safetensors", 2e-2f), ("t5xxl_fp8_e4m3fn_scaled.safetensors", 0.25f) })
        {
            using var encoder = T5Checkpoint.Load(tmp.File(file));
            using var actual = encoder.Forward(ids);
            float worst = expected.ToArray<float>().Zip(actual.ToArray<float>(), (e, a) => MathF.Abs(e - a)).Max();
            Assert.True(worst <= tolerance * maxAbs, $"{file}: max |Δ| {worst} > {tolerance}·{maxAbs}");
        }
    }

    [Fact]
    public void T5_missing_tensor_is_named()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("t5.safetensors");
        using (var source = SafetensorsFile.Open(T5Weights))
        {
            var kept = source.Entries.Where(e => e.Name != "encoder.block.1.layer.1.DenseReluDense.wo.weight")
                .Select(e => new KeyValuePair<string, Tensor>(e.Name, source.GetTensor(e.Name))).ToList();
            SafetensorsWriter.Write(file, kept);
            kept.ForEach(t => t.Value.Dispose());
        }

        var ex = Assert.Throws<CheckpointException>(() => T5Checkpoint.Load(file));
        Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wo.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[48, 64]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(7, 7)]
    [InlineData(8, 8)]
    [InlineData(11, 8)]
    [InlineData(12, 9)]
    [InlineData(15, 9)]
    [InlineData(16, 10)]
    [InlineData(22, 10)]
    [InlineData(23, 11)]
    [InlineData(31, 11)]
    [InlineData(32, 12)]
    [InlineData(45, 12)]
    [InlineData(46, 13)]
    [InlineData(63, 13)]
    [InlineData(64, 14)]
    [InlineData(90, 14)]
    [InlineData(91, 15)]
    [InlineData(5000, 15)]
    public void T5_relative_bucket_matches_the_spec_table(int distance, int offset)
    {
        Assert.Equal(offset, T5Encoder.Bucket(-distance, 32, 128));
        Assert.Equal(distance == 0 ? 0 : 16 + offset, T5Encoder.Bucket(distance, 32, 128));
    }

    private static void WriteRenamed(string path, params (string File, string Prefix)[] sources)
    {
        var files = sources.Select(s => (File: SafetensorsFile.Open(s.File), s.Prefix)).ToList();
        var all = files.SelectMany(f => f.File.Entries.Select(e => new KeyValuePair<string, Tensor>(f.Prefix + e.Name, f.File.GetTensor(e.Name)))).ToList();
        try
        {
            SafetensorsWriter.Write(path, all);
        }
        finally
        {
            all.ForEach(t => t.Value.Dispose());
            files.ForEach(f => f.File.Dispose());
        }
    }

    // Matrices cast to the dtype (fp8 "scaled": stored as W/s with s = max|W|/448 beside as X.scale_weight).
    private static void WriteCast(string source, string path, DType dtype, bool scaled)
    {
        using var file = SafetensorsFile.Open(source);
        var output = new List<KeyValuePair<string, Tensor>>();
        foreach (var e in file.Entries)
        {
            using var t = file.GetTensor(e.Name);
            bool linear = t.Rank == 2 && e.Name.Contains(".layer.", StringComparison.Ordinal) && !e.Name.Contains("relative_attention_bias", StringComparison.Ordinal);
            if (scaled && linear)
            {
                float scale = t.ToArray<float>().Max(MathF.Abs) / 448f;
                using var divided = t.Affine(1f / scale, 0f);
                output.Add(new(e.Name, divided.Cast(dtype)));
                output.Add(new(e.Name[..^".weight".Length] + ".scale_weight", Tensor.FromArray([scale], 1)));
            }
            else
            {
                output.Add(new(e.Name, t.Cast(scaled && !linear ? DType.F16 : dtype)));
            }
        }

        if (scaled)
        {
            output.Add(new("scaled_fp8", Tensor.Zeros([0], DType.F8E4M3FN)));
        }

        SafetensorsWriter.Write(path, output);
        output.ForEach(t => t.Value.Dispose());
    }
}
