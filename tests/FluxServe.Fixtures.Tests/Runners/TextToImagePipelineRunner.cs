using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Flux;
using FluxServe.Models.Vae;
using FluxServe.Pipelines.Noise;
using FluxServe.Pipelines.Sampling;
using FluxServe.Pipelines.TextToImage;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>pipeline-tiny-schnell</c> and <c>pipeline-tiny-dev</c>: BFL's <c>cli.py</c> composition run through FluxServe's
/// own pieces — <c>get_noise</c> (<see cref="BflNoise"/>), <c>prepare</c> (<see cref="LatentPacking"/>),
/// <c>get_schedule</c> (<see cref="SigmaSchedules.BflSchedule"/>), the denoising loop as the <c>euler</c> sampler over
/// <see cref="FluxFlowModel"/> (BFL's <c>x + (t' − t)·v</c> is Euler on the flow), <c>unpack</c>, the autoencoder and
/// the pipeline's uint8 conversion — compared at every recorded step. The T5/CLIP outputs are the case's fixed tensors.
/// </summary>
public sealed class TextToImagePipelineRunner : IFixtureRunner
{
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

        // 1. Noise for the seed, bit for bit (PyTorch's AVX2 kernel, as recorded).
        using var noise = BflNoise.GetNoise(samples, height, width, seed);
        using (var expectedNoise = fixtureCase.Tensor(fixtureCase.OutputName("noise")))
        {
            FixtureAssert.BitExact(expectedNoise, noise, $"{fixtureCase} noise");
        }

        // 2. prepare(): packed latent and ids; the text conditioning is the case's fixed tensors.
        using var img = LatentPacking.Pack(noise);
        using var imgIds = LatentPacking.ImageIds(samples, noise.Dim(2), noise.Dim(3));
        Compare(fixtureCase, "prepare.img", img, exact);
        Compare(fixtureCase, "prepare.img_ids", imgIds, exact);
        using var t5 = fixtureCase.Input("t5_txt");
        using var clip = fixtureCase.Input("clip_vec");

        // 3. The schedule, exact as float32.
        float[] timesteps = SigmaSchedules.BflSchedule(steps, img.Dim(1), shift);
        using (var expectedTimesteps = fixtureCase.Tensor(fixtureCase.OutputName("timesteps")))
        {
            FixtureAssert.BitExact(FixtureTensors.ToSingles(expectedTimesteps), timesteps, $"{fixtureCase} timesteps");
        }

        // 4. The denoising loop, latents compared (packed, as recorded) before every step and at the end.
        using var transformer = FluxCheckpoint.Load(fixtureCase.ResolvePath(weights.GetProperty("transformer").GetString()!));
        using var conditioning = new FluxConditioning(t5.Reshape(t5.Shape), clip.Reshape(clip.Shape));
        using var flow = new FluxFlowModel(transformer, noise.Shape, conditioning, null, guidance);
        var shape = LatentShape.From(noise.Shape);
        var modelSampling = FlowModelSampling.Schnell();
        int reported = 0;
        var context = new SamplerContext(shape, new FlowGuidanceDenoiser(flow, modelSampling, 1.0), modelSampling, seed)
        {
            StepCallback = step =>
            {
                CompareLatent(fixtureCase, step.Index, step.X, shape, multiStep);
                reported++;
            },
        };
        float[] x = noise.ToArray<float>();
        SamplerCatalog.Get("euler").Sample(x, timesteps, context);
        Assert.Equal(steps, reported);
        Assert.Equal(steps, flow.Evaluations);
        CompareLatent(fixtureCase, steps, x, shape, multiStep);

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

    private static void Compare(FixtureCase fixtureCase, string output, Tensor actual, FixtureTolerance tolerance)
    {
        using var expected = fixtureCase.Tensor(fixtureCase.OutputName(output));
        FixtureAssert.Close(expected, actual, tolerance, $"{fixtureCase} {output}");
    }

    private static void CompareLatent(FixtureCase fixtureCase, int step, ReadOnlySpan<float> x, LatentShape shape, FixtureTolerance tolerance)
    {
        var names = fixtureCase.Outputs.GetProperty("latents");
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
                int diff = Math.Abs(value - (int)expected[index++]);
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
