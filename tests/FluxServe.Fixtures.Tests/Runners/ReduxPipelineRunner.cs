using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Flux;
using FluxServe.Models.Redux;
using FluxServe.Models.Vae;
using FluxServe.Pipelines.Noise;
using FluxServe.Pipelines.Redux;
using FluxServe.Pipelines.Sampling;
using FluxServe.Pipelines.TextToImage;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>pipeline-tiny-redux-schnell</c>: BFL's <c>cli_redux.py</c> composition through FluxServe's pieces, as
/// <see cref="TextToImagePipelineRunner"/> with <c>prepare_redux</c> in place of <c>prepare</c>: the recorded SigLIP
/// features go through <see cref="ReduxEmbedder"/>, are rounded to bfloat16 and appended after the T5 tokens by
/// <see cref="ReduxConditioner"/>; then noise, schedule, the <c>euler</c> sampler over <see cref="FluxFlowModel"/>,
/// decode and uint8, compared at every recorded step.
/// </summary>
public sealed class ReduxPipelineRunner : IFixtureRunner
{
    // The float tolerance of one embedder pass (redux-tiny's, the fixtures' single-pass rule).
    private static readonly FixtureTolerance EmbedderTolerance = new(1e-4, 1e-4, "one float32 forward pass");

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        var weights = fixtureCase.Json.GetProperty("weights");
        int samples = fixtureCase.Argument("num_samples").GetInt32();
        int height = fixtureCase.Argument("height").GetInt32();
        int width = fixtureCase.Argument("width").GetInt32();
        ulong seed = fixtureCase.Argument("seed").GetUInt64();
        int steps = fixtureCase.Argument("num_steps").GetInt32();
        bool shift = fixtureCase.Argument("shift").GetBoolean();
        float guidance = fixtureCase.Argument("guidance").GetSingle();
        var exact = fixtureCase.ToleranceFor("prepare.*");
        var multiStep = fixtureCase.ToleranceFor("latents/preds/latent_unpacked/decoded");

        // 1. Noise for the seed, bit for bit.
        using var noise = BflNoise.GetNoise(samples, height, width, seed);
        Compare(fixtureCase, "noise", noise, exact);

        // 2. prepare_redux(): packed latent and ids; txt = T5 tokens ‖ bf16(Redux tokens); zero txt ids; vec = CLIP.
        using var img = LatentPacking.Pack(noise);
        using var imgIds = LatentPacking.ImageIds(samples, noise.Dim(2), noise.Dim(3));
        Compare(fixtureCase, "prepare.img", img, exact);
        Compare(fixtureCase, "prepare.img_ids", imgIds, exact);
        using var embedder = ReduxCheckpoint.Load(fixtureCase.ResolvePath(ReduxWeights(fixtureCase, weights)));
        using var features = fixtureCase.Input("siglip_features");
        using var reduxTokens = ReduxConditioner.ImageTokens(embedder, features, roundToBFloat16: true);
        using var prompt = new FluxConditioning(fixtureCase.Input("t5_txt"), fixtureCase.Input("clip_vec"));
        using var conditioning = ReduxConditioner.Append(prompt, [reduxTokens]);
        using (var unrounded = embedder.Forward(features))
        {
            CompareText(fixtureCase, conditioning.Tokens, prompt.Tokens.Dim(1), unrounded, exact, EmbedderTolerance);
        }

        using (var txtIds = Tensor.Zeros([samples, conditioning.Tokens.Dim(1), 3]))
        {
            Compare(fixtureCase, "prepare.txt_ids", txtIds, exact);
        }

        Compare(fixtureCase, "prepare.vec", conditioning.Pooled, exact);

        // 3. The schedule, exact as float32.
        float[] timesteps = SigmaSchedules.BflSchedule(steps, img.Dim(1), shift);
        using (var expectedTimesteps = fixtureCase.Tensor(fixtureCase.OutputName("timesteps")))
        {
            FixtureAssert.BitExact(FixtureTensors.ToSingles(expectedTimesteps), timesteps, $"{fixtureCase} timesteps");
        }

        // 4. The denoising loop, latents compared before every step and at the end, predictions at every step.
        using var transformer = FluxCheckpoint.Load(fixtureCase.ResolvePath(weights.GetProperty("transformer").GetString()!));
        using var flow = new FluxFlowModel(transformer, noise.Shape, conditioning, null, guidance);
        var shape = LatentShape.From(noise.Shape);
        var modelSampling = FlowModelSampling.Schnell();
        int reported = 0;
        var context = new SamplerContext(shape, new FlowGuidanceDenoiser(flow, modelSampling, 1.0), modelSampling, seed)
        {
            StepCallback = step =>
            {
                CompareLatent(fixtureCase, "latents", step.Index, step.X, shape, multiStep);
                reported++;
            },
        };
        float[] x = noise.ToArray<float>();
        SamplerCatalog.Get("euler").Sample(x, timesteps, context);
        Assert.Equal(steps, reported);
        Assert.Equal(steps, flow.Evaluations);
        CompareLatent(fixtureCase, "latents", steps, x, shape, multiStep);
        ComparePredictions(fixtureCase, transformer, conditioning, noise.Shape, timesteps, guidance, multiStep);

        // 5–7. unpack, decode, uint8.
        using var latent = Tensor.FromSpan<float>(x, noise.Shape, DType.F32);
        Compare(fixtureCase, "latent_unpacked", latent, multiStep);
        using var ae = AutoEncoderCheckpoint.Load(fixtureCase.ResolvePath(weights.GetProperty("autoencoder").GetString()!));
        using var decoded = ae.Decode(latent);
        Compare(fixtureCase, "decoded", decoded, multiStep);
        var images = TextToImagePipeline.ToImages(decoded);
        try
        {
            CompareImages(fixtureCase, images);
        }
        finally
        {
            foreach (var image in images)
            {
                image.Dispose();
            }
        }
    }

    // The Redux weights: the case's "weights.redux" when it names them, else config.json's "redux".
    private static string ReduxWeights(FixtureCase fixtureCase, JsonElement weights) =>
        weights.TryGetProperty("redux", out var fromCase) && fromCase.ValueKind == JsonValueKind.String
            ? fromCase.GetString()!
            : fixtureCase.Folder.Config.GetProperty("redux").GetString()!;

    // Each recorded prediction is the transformer's output at the recorded latent of that step: checked on its own
    // (from the reference's latent), so a failure points at the step and not at the errors before it.
    private static void ComparePredictions(
        FixtureCase fixtureCase, FluxTransformer transformer, FluxConditioning conditioning, ReadOnlySpan<int> latentShape, float[] timesteps, float guidance, FixtureTolerance tolerance)
    {
        if (!fixtureCase.Outputs.TryGetProperty("preds", out var preds))
        {
            return;
        }

        using var flow = new FluxFlowModel(transformer, latentShape, conditioning, null, guidance);
        var shape = LatentShape.From(latentShape);
        var latents = fixtureCase.Outputs.GetProperty("latents");
        float[] velocity = new float[shape.Length];
        for (int k = 0; k < preds.GetArrayLength(); k++)
        {
            using var packedLatent = fixtureCase.Tensor(latents[k].GetString()!);
            using var latent = LatentPacking.Unpack(packedLatent, shape.Height, shape.Width);
            flow.PredictVelocity(latent.AsSpan<float>(), timesteps[k], GuidanceBranch.Positive, velocity, CancellationToken.None);
            using var expected = fixtureCase.Tensor(preds[k].GetString()!);
            using var unpacked = Tensor.FromSpan<float>(velocity, latentShape, DType.F32);
            using var packed = LatentPacking.Pack(unpacked);
            FixtureAssert.Close(expected, packed, tolerance, $"{fixtureCase} prediction at step {k}");
        }
    }

    /// <summary>
    /// <c>prepare.txt</c>: the T5 rows bit for bit (the "prepare.*" advice). The Redux rows are a GEMM's output rounded to
    /// bfloat16, so bit-exactness holds only where the reference's and our float sums fall on the same side of a
    /// rounding midpoint: every other element must be the adjacent bfloat16, with our unrounded value within the
    /// embedder's float tolerance (<paramref name="reduxTolerance"/>) of the midpoint between the two.
    /// </summary>
    private static void CompareText(FixtureCase fixtureCase, Tensor actual, int textTokens, Tensor unrounded, FixtureTolerance exact, FixtureTolerance reduxTolerance)
    {
        using var expectedTensor = fixtureCase.Tensor(fixtureCase.OutputName("prepare.txt"));
        Assert.Equal(expectedTensor.Shape.ToArray(), actual.Shape.ToArray());
        int width = actual.Dim(2), rows = actual.Dim(1);
        float[] expected = FixtureTensors.ToSingles(expectedTensor);
        float[] ours = actual.ToArray<float>();
        float[] raw = unrounded.ToArray<float>();
        int textLength = textTokens * width, imageLength = (rows - textTokens) * width;
        for (int b = 0; b < actual.Dim(0); b++)
        {
            int offset = b * rows * width;
            FixtureAssert.Close(expected.AsSpan(offset, textLength), ours.AsSpan(offset, textLength), exact, $"{fixtureCase} prepare.txt (T5 rows, sample {b})");
            var expectedImage = expected.AsSpan(offset + textLength, imageLength);
            var oursImage = ours.AsSpan(offset + textLength, imageLength);
            var rawImage = raw.AsSpan(b * imageLength, imageLength);
            float maxAbs = 0f;
            foreach (float e in expectedImage)
            {
                maxAbs = MathF.Max(maxAbs, MathF.Abs(e));
            }

            for (int i = 0; i < imageLength; i++)
            {
                if (BitConverter.SingleToInt32Bits(expectedImage[i]) == BitConverter.SingleToInt32Bits(oursImage[i]))
                {
                    continue;
                }

                int ulps = Math.Abs((BitConverter.SingleToInt32Bits(expectedImage[i]) >> 16) - (BitConverter.SingleToInt32Bits(oursImage[i]) >> 16));
                float midpoint = (expectedImage[i] + oursImage[i]) / 2f;
                double allowed = (reduxTolerance.AtolRelToMaxAbs * Math.Max(1f, maxAbs)) + (reduxTolerance.Rtol * Math.Abs(midpoint));
                if (ulps != 1 || Math.Abs(rawImage[i] - midpoint) > allowed)
                {
                    throw new XunitException(
                        $"{fixtureCase} prepare.txt (Redux rows, sample {b}) [{i}]: expected {expectedImage[i]}, ours {oursImage[i]} ({ulps} bfloat16 steps apart) from the unrounded {rawImage[i]}, which is {Math.Abs(rawImage[i] - midpoint)} from the rounding midpoint {midpoint} (allowed {allowed}).");
                }
            }
        }
    }

    private static void Compare(FixtureCase fixtureCase, string output, Tensor actual, FixtureTolerance tolerance)
    {
        using var expected = fixtureCase.Tensor(fixtureCase.OutputName(output));
        FixtureAssert.Close(expected, actual, tolerance, $"{fixtureCase} {output}");
    }

    private static void CompareLatent(FixtureCase fixtureCase, string list, int step, ReadOnlySpan<float> x, LatentShape shape, FixtureTolerance tolerance)
    {
        var names = fixtureCase.Outputs.GetProperty(list);
        using var expected = fixtureCase.Tensor(names[step].GetString()!);
        using var unpacked = Tensor.FromSpan(x, shape.ToArray(), DType.F32);
        using var packed = LatentPacking.Pack(unpacked);
        FixtureAssert.Close(expected, packed, tolerance, $"{fixtureCase} latent before step {step}");
    }

    // The case's rule: every value within max_abs, at most max_fraction_off_by_one of them off at all.
    private static void CompareImages(FixtureCase fixtureCase, Pipelines.Imaging.RgbImage[] images)
    {
        var rule = fixtureCase.Json.GetProperty("tolerance").GetProperty("image_uint8");
        int maxAbs = rule.GetProperty("max_abs").GetInt32();
        double maxFraction = rule.GetProperty("max_fraction_off_by_one").GetDouble();
        using var expectedTensor = fixtureCase.Tensor(fixtureCase.OutputName("image_uint8"));
        float[] expected = FixtureTensors.ToSingles(expectedTensor);
        int offenders = 0, worst = 0, index = 0;
        foreach (var image in images)
        {
            foreach (byte value in image.Pixels)
            {
                int diff = index < expected.Length ? Math.Abs(value - (int)expected[index]) : 256;
                index++;
                worst = Math.Max(worst, diff);
                offenders += diff > 0 ? 1 : 0;
            }
        }

        if (index != expected.Length || worst > maxAbs || offenders > maxFraction * expected.Length)
        {
            throw new XunitException(
                $"{fixtureCase} image_uint8: {index} values for {expected.Length} expected; worst |Δ| {worst} (max {maxAbs}); {offenders} values off ({(double)offenders / expected.Length:P2}, max {maxFraction:P2}).");
        }
    }
}
