using System.Runtime.CompilerServices;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Siglip;

namespace FluxServe.Models.Tests.Siglip;

/// <summary>
/// The SigLIP vision tower against an independent computation: <c>scripts/reference/siglip_tiny.py</c> builds a tiny
/// random tower in HF naming (width 32, 2 layers, 4 heads, MLP 48, 44-pixel images of 14-pixel patches → 3×3 tokens,
/// with an unused pooling head) and computes <c>last_hidden_state</c> in float64 from torch.nn.functional primitives
/// (Data/: model.safetensors, config.json, cases.safetensors).
/// </summary>
public sealed class SiglipVisionTowerTests
{
    private static readonly string DataFolder = Path.Combine(SourceFolder(), "Data");

    private static string Weights => Path.Combine(DataFolder, "model.safetensors");

    private static string Config => Path.Combine(DataFolder, "config.json");

    [Fact]
    public void Tower_matches_the_independent_reference()
    {
        using var tower = SiglipVisionCheckpoint.Load(Weights);
        Assert.Equal(
            new SiglipVisionConfig { HiddenSize = 32, Layers = 2, Heads = 4, IntermediateSize = 48, Channels = 3, PatchSize = 14, ImageSize = 44, LayerNormEps = 1e-6f },
            tower.Config);
        AssertMatches(tower, "last_hidden_state");
    }

    [Fact]
    public void Layer_norm_epsilon_is_honoured()
    {
        using var tower = SiglipVisionCheckpoint.Load(Weights, layerNormEps: 0.05f);
        Assert.Equal(0.05f, tower.Config.LayerNormEps);
        AssertMatches(tower, "last_hidden_state_eps0.05");

        // The two references really differ by more than the tolerance, so the test above can tell them apart.
        using var cases = SafetensorsFile.Open(Path.Combine(DataFolder, "cases.safetensors"));
        using var a = cases.GetTensor("last_hidden_state");
        using var b = cases.GetTensor("last_hidden_state_eps0.05");
        float apart = Worst(a.ToArray<float>(), b.ToArray<float>());
        Assert.True(apart > 1e-2f, $"the epsilon cases differ by only {apart}");
    }

    [Fact]
    public void Pixels_past_the_last_whole_patch_are_not_seen()
    {
        using var tower = SiglipVisionCheckpoint.Load(Weights);
        using var cases = SafetensorsFile.Open(Path.Combine(DataFolder, "cases.safetensors"));
        using var pixels = cases.GetTensor("pixels");
        float[] changed = pixels.ToArray<float>();
        for (int i = 0; i < changed.Length; i++)
        {
            int x = i % 44, y = i / 44 % 44;
            if (x >= 42 || y >= 42)
            {
                changed[i] = 7f;
            }
        }

        using var changedPixels = Tensor.FromSpan<float>(changed, pixels.Shape, DType.F32);
        using var a = tower.Forward(pixels);
        using var b = tower.Forward(changedPixels);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());

        // 42 pixels give the same 3×3 grid; 41 do not.
        using var cropped = Tensor.Zeros([1, 3, 42, 42]);
        using var fromCropped = tower.Forward(cropped);
        Assert.Equal([1, 9, 32], fromCropped.Shape.ToArray());
        using var tooSmall = Tensor.Zeros([1, 3, 41, 41]);
        Assert.Throws<ArgumentException>(() => tower.Forward(tooSmall));
    }

    [Fact]
    public void Loads_from_a_diffusers_image_encoder_folder()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "image_encoder");
        Directory.CreateDirectory(dir);
        File.Copy(Weights, Path.Combine(dir, "model.safetensors"));
        File.Copy(Config, Path.Combine(dir, "config.json"));
        using var tower = SiglipVisionCheckpoint.Load(tmp.Path);
        Assert.Equal(4, tower.Config.Heads);
        AssertMatches(tower, "last_hidden_state");
    }

    [Fact]
    public void Loads_the_vision_half_of_a_whole_siglip_checkpoint_with_a_nested_config()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("model.safetensors");
        var extra = new List<KeyValuePair<string, Tensor>>
        {
            new("text_model.embeddings.token_embedding.weight", Tensor.Zeros([10, 32])),
            new("text_model.final_layer_norm.weight", Tensor.Zeros([32])),
            new("logit_scale", Tensor.Zeros([1])),
            new("logit_bias", Tensor.Zeros([1])),
            new("vision_model.embeddings.position_ids", Tensor.Zeros([1, 9], DType.I64)),
        };
        WriteWith(file, extra, drop: null);
        File.WriteAllText(
            tmp.File("config.json"),
            "{\"model_type\":\"siglip\",\"text_config\":{\"hidden_size\":32,\"num_attention_heads\":2},\"vision_config\":" + File.ReadAllText(Config) + "}");
        using var tower = SiglipVisionCheckpoint.Load(file);
        Assert.Equal(4, tower.Config.Heads);
        Assert.Equal(44, tower.Config.ImageSize);
        AssertMatches(tower, "last_hidden_state");
    }

    [Fact]
    public void Half_precision_weights_stay_in_their_dtype_and_close_to_float32()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("sigclip_vision_patch14_384.safetensors");
        using (var source = SafetensorsFile.Open(Weights))
        {
            var cast = source.Entries.Select(e =>
            {
                using var t = source.GetTensor(e.Name);
                return new KeyValuePair<string, Tensor>(e.Name, t.Cast(DType.BF16));
            }).ToList();
            SafetensorsWriter.Write(file, cast);
            cast.ForEach(t => t.Value.Dispose());
        }

        File.Copy(Config, tmp.File("config.json"));
        using var tower = SiglipVisionCheckpoint.Load(file);
        using var cases = SafetensorsFile.Open(Path.Combine(DataFolder, "cases.safetensors"));
        using var pixels = cases.GetTensor("pixels");
        using var expected = cases.GetTensor("last_hidden_state");
        using var actual = tower.Forward(pixels);
        float worst = Worst(expected.ToArray<float>(), actual.ToArray<float>());
        Assert.True(worst < 0.15f, $"bf16 weights: max |Δ| {worst}");
        Assert.True(worst > 1e-4f, "the bf16 weights were not used");
    }

    [Fact]
    public void Without_a_config_the_head_count_of_a_non_so400m_width_is_an_error()
    {
        using var tmp = new TempFolder();
        File.Copy(Weights, tmp.File("vision.safetensors"));
        var ex = Assert.Throws<CheckpointException>(() => SiglipVisionCheckpoint.Load(tmp.File("vision.safetensors")));
        Assert.Contains("num_attention_heads", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_misshapen_tensors_are_named_before_any_compute()
    {
        using var tmp = new TempFolder();
        File.Copy(Config, tmp.File("config.json"));
        string file = tmp.File("vision.safetensors");
        WriteWith(file, [new("vision_model.encoder.layers.1.mlp.fc1.bias", Tensor.Zeros([47]))], drop: "vision_model.encoder.layers.1.mlp.fc2.bias");
        var ex = Assert.Throws<CheckpointException>(() => SiglipVisionCheckpoint.Load(file));
        Assert.Contains("missing tensor 'vision_model.encoder.layers.1.mlp.fc2.bias' (expected shape [32])", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'vision_model.encoder.layers.1.mlp.fc1.bias' has shape [47]; expected [48]", ex.Message, StringComparison.Ordinal);

        WriteWith(file, [new("vision_model.encoder.layers.0.self_attn.qkv.weight", Tensor.Zeros([96, 32]))], drop: null);
        ex = Assert.Throws<CheckpointException>(() => SiglipVisionCheckpoint.Load(file));
        Assert.Contains("unexpected tensor 'vision_model.encoder.layers.0.self_attn.qkv.weight'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_a_vision_tower_says_so()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("other.safetensors");
        SafetensorsWriter.Write(file, [new KeyValuePair<string, Tensor>("redux_up.weight", Tensor.Zeros([4, 4]))]);
        var ex = Assert.Throws<CheckpointException>(() => SiglipVisionCheckpoint.Load(file));
        Assert.Contains("is not a SigLIP vision tower", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertMatches(SiglipVisionTower tower, string expectedName)
    {
        using var cases = SafetensorsFile.Open(Path.Combine(DataFolder, "cases.safetensors"));
        using var pixels = cases.GetTensor("pixels");
        using var expected = cases.GetTensor(expectedName);
        using var actual = tower.Forward(pixels);
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        float[] e = expected.ToArray<float>(), a = actual.ToArray<float>();
        float maxAbs = e.Max(MathF.Abs);
        for (int i = 0; i < e.Length; i++)
        {
            // The fixtures' rule at 1e-4: |a − e| ≤ 1e-4·max(1, max|e|) + 1e-4·|e|.
            float bound = (1e-4f * MathF.Max(1f, maxAbs)) + (1e-4f * MathF.Abs(e[i]));
            Assert.True(MathF.Abs(a[i] - e[i]) <= bound, $"{expectedName}[{i}]: {a[i]} vs {e[i]} (bound {bound})");
        }
    }

    private static float Worst(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();

    // The tiny model's tensors with some added or replaced and one dropped.
    private static void WriteWith(string path, List<KeyValuePair<string, Tensor>> added, string? drop)
    {
        using var source = SafetensorsFile.Open(Weights);
        var names = added.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var all = source.Entries.Where(e => e.Name != drop && !names.Contains(e.Name))
            .Select(e => new KeyValuePair<string, Tensor>(e.Name, source.GetTensor(e.Name))).Concat(added).ToList();
        try
        {
            SafetensorsWriter.Write(path, all);
        }
        finally
        {
            all.ForEach(t => t.Value.Dispose());
        }
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
