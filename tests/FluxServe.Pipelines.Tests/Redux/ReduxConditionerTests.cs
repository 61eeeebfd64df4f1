using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Redux;
using FluxServe.Models.Siglip;
using FluxServe.Pipelines.Redux;
using FluxServe.Pipelines.TextToImage;

namespace FluxServe.Pipelines.Tests.Redux;

/// <summary>
/// The Redux conditioning's composition (spec/redux.md §1, §5) over a tiny random tower and embedder: the prompt's
/// tokens first and unchanged, then each image's tokens (bfloat16-rounded by default, checked against a scalar
/// round-to-nearest-even), the pooled vector the prompt's.
/// </summary>
public sealed class ReduxConditionerTests : IDisposable
{
    private readonly SiglipVisionTower _tower;
    private readonly ReduxEmbedder _embedder;
    private readonly FluxConditioning _prompt;

    public ReduxConditionerTests()
    {
        var random = new Random(17);
        var config = new SiglipVisionConfig { HiddenSize = 8, Layers = 1, Heads = 2, IntermediateSize = 12, PatchSize = 4, ImageSize = 8 };
        var towerWeights = new WeightSet { Source = "random tower" };
        foreach (var (name, shape) in SiglipVisionCheckpoint.ExpectedTensors(config))
        {
            towerWeights.Add(name, Random(random, shape, name.EndsWith("norm1.weight", StringComparison.Ordinal) || name.EndsWith("norm2.weight", StringComparison.Ordinal) || name.EndsWith("layernorm.weight", StringComparison.Ordinal) ? 1f : 0f));
        }

        _tower = new SiglipVisionTower(config, towerWeights);
        var reduxConfig = new ReduxConfig { VisionDim = 8, HiddenDim = 24, ContextDim = 6 };
        var reduxWeights = new WeightSet { Source = "random redux" };
        foreach (var (name, shape) in ReduxCheckpoint.ExpectedTensors(reduxConfig))
        {
            reduxWeights.Add(name, Random(random, shape, 0f));
        }

        _embedder = new ReduxEmbedder(reduxConfig, reduxWeights);
        _prompt = new FluxConditioning(Random(random, [1, 5, 6], 0f), Random(random, [1, 3], 0f));
    }

    [Fact]
    public void Image_tokens_follow_the_prompt_tokens_rounded_to_bfloat16()
    {
        using var image = ReduxTestData.Pattern(20, 13, 1);
        var conditioner = new ReduxConditioner(_tower, _embedder);
        using var conditioning = conditioner.Condition(_prompt, image);
        Assert.Equal([1, 9, 6], conditioning.Tokens.Shape.ToArray());
        float[] tokens = conditioning.Tokens.ToArray<float>();
        Assert.Equal(_prompt.Tokens.ToArray<float>(), tokens[..30]);
        Assert.Equal(_prompt.Pooled.ToArray<float>(), conditioning.Pooled.ToArray<float>());

        float[] unrounded = Unrounded(image, SiglipPreprocessing.ComfyUi);
        for (int i = 0; i < unrounded.Length; i++)
        {
            Assert.Equal(RoundToBFloat16(unrounded[i]), tokens[30 + i]);
        }

        Assert.Contains(unrounded, v => RoundToBFloat16(v) != v);
    }

    [Fact]
    public void Several_images_append_their_tokens_in_order()
    {
        using var a = ReduxTestData.Pattern(20, 13, 1);
        using var b = ReduxTestData.Pattern(9, 30, 2);
        var conditioner = new ReduxConditioner(_tower, _embedder) { RoundTokensToBFloat16 = false };
        using var both = conditioner.Condition(_prompt, a, b);
        Assert.Equal([1, 13, 6], both.Tokens.Shape.ToArray());
        float[] tokens = both.Tokens.ToArray<float>();
        Assert.Equal(Unrounded(a, SiglipPreprocessing.ComfyUi), tokens[30..54]);
        Assert.Equal(Unrounded(b, SiglipPreprocessing.ComfyUi), tokens[54..]);
    }

    [Fact]
    public void Strength_multiplies_the_image_tokens_only()
    {
        using var image = ReduxTestData.Pattern(20, 13, 1);
        var conditioner = new ReduxConditioner(_tower, _embedder) { RoundTokensToBFloat16 = false, Strength = 0.25f };
        using var conditioning = conditioner.Condition(_prompt, image);
        float[] tokens = conditioning.Tokens.ToArray<float>();
        Assert.Equal(_prompt.Tokens.ToArray<float>(), tokens[..30]);
        Assert.Equal(Unrounded(image, SiglipPreprocessing.ComfyUi).Select(v => v * 0.25f), tokens[30..]);
    }

    [Fact]
    public void The_preprocessing_mode_is_used()
    {
        using var image = ReduxTestData.Pattern(20, 13, 1);
        var conditioner = new ReduxConditioner(_tower, _embedder) { Preprocessing = SiglipPreprocessing.HuggingFace, RoundTokensToBFloat16 = false };
        using var tokens = conditioner.EncodeImage(image);
        float[] hf = Unrounded(image, SiglipPreprocessing.HuggingFace);
        Assert.Equal(hf, tokens.ToArray<float>());
        Assert.NotEqual(Unrounded(image, SiglipPreprocessing.ComfyUi), hf);
    }

    [Fact]
    public void Mismatched_widths_are_refused()
    {
        var wrong = new WeightSet { Source = "wrong redux" };
        var config = new ReduxConfig { VisionDim = 7, HiddenDim = 4, ContextDim = 6 };
        foreach (var (name, shape) in ReduxCheckpoint.ExpectedTensors(config))
        {
            wrong.Add(name, Tensor.Zeros(shape));
        }

        using var embedder = new ReduxEmbedder(config, wrong);
        var ex = Assert.Throws<ArgumentException>(() => new ReduxConditioner(_tower, embedder));
        Assert.Contains("width 7", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _tower.Dispose();
        _embedder.Dispose();
        _prompt.Dispose();
    }

    // The pieces one by one: pixels → tower → embedder, without rounding.
    private float[] Unrounded(FluxServe.Pipelines.Imaging.RgbImage image, SiglipPreprocessing mode)
    {
        using var pixels = SiglipImageProcessor.ToPixels(image, mode, 8);
        using var states = _tower.Forward(pixels);
        using var tokens = _embedder.Forward(states);
        return tokens.ToArray<float>();
    }

    // Round to nearest even on the upper 16 bits (finite values).
    private static float RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
        return BitConverter.UInt32BitsToSingle(rounded);
    }

    private static Tensor Random(Random random, int[] shape, float offset) =>
        Tensor.FromArray([.. Enumerable.Range(0, (int)Tensor.ComputeLength(shape)).Select(_ => offset + (float)((random.NextDouble() * 2) - 1))], shape);
}
