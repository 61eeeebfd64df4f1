using FluxServe.Pipelines.Noise;
using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>
/// The KSampler flow and the sampler plumbing the fixtures do not isolate: the Euler sampler against BFL's update
/// written out independently, guidance and cfg++ passes, callbacks, cancellation, refusals, and every sampler on a
/// small latent (finite result, one report per step, batch independence).
/// </summary>
public sealed class FlowKSamplerTests
{
    private static readonly LatentShape s_shape = new(1, 16, 2, 3);

    [Fact]
    public void Euler_is_bfl_update_x_plus_dt_times_v()
    {
        float[] pattern = Pattern(s_shape.Length);
        var model = new LinearFlowModel(pattern);
        FlowModelSampling ms = FlowModelSampling.Dev();
        var denoiser = new FlowGuidanceDenoiser(model, ms, cfg: 1.0);
        float[] noise = Noise(s_shape, 5);
        var request = new KSamplerRequest(ms, "euler", "simple", 6, s_shape, 5);
        KSamplerResult result = FlowKSampler.Sample(request, denoiser, noise, []);

        // Independent: x ← x + (σ' − σ)·v(x, σ) in double, then process_out.
        double[] x = Array.ConvertAll(noise, v => (double)v);
        for (int s = 0; s + 1 < result.Sigmas.Length; s++)
        {
            double sigma = result.Sigmas[s], next = result.Sigmas[s + 1];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] += (next - sigma) * model.Velocity(x[i], sigma, i, positive: true);
            }
        }

        for (int i = 0; i < x.Length; i++)
        {
            double expected = (x[i] / 0.3611) + 0.1159;
            Assert.True(Math.Abs(expected - result.Samples[i]) < 2e-5, $"[{i}] {expected} vs {result.Samples[i]}");
        }

        Assert.Equal(6, model.PositivePasses);
        Assert.Equal(0, model.NegativePasses);
    }

    [Fact]
    public void Guidance_runs_the_negative_pass_only_when_needed()
    {
        float[] pattern = Pattern(s_shape.Length);
        FlowModelSampling ms = FlowModelSampling.Schnell();
        float[] x = Noise(s_shape, 1);
        var denoised = new float[x.Length];
        var uncond = new float[x.Length];

        var model = new LinearFlowModel(pattern);
        new FlowGuidanceDenoiser(model, ms, 1.0).Denoise(x, 0.5f, denoised, [], default);
        Assert.Equal((1, 0), (model.PositivePasses, model.NegativePasses));
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(x[i] - (0.5 * model.Velocity(x[i], 0.5, i, true)) - denoised[i]) < 1e-5);
        }

        new FlowGuidanceDenoiser(model, ms, 1.0).Denoise(x, 0.5f, denoised, uncond, default);
        Assert.Equal((2, 1), (model.PositivePasses, model.NegativePasses));

        new FlowGuidanceDenoiser(model, ms, 3.0).Denoise(x, 0.5f, denoised, [], default);
        Assert.Equal((3, 2), (model.PositivePasses, model.NegativePasses));
        for (int i = 0; i < x.Length; i++)
        {
            double dc = x[i] - (0.5 * model.Velocity(x[i], 0.5, i, true));
            double du = x[i] - (0.5 * model.Velocity(x[i], 0.5, i, false));
            Assert.True(Math.Abs(du + ((dc - du) * 3.0) - denoised[i]) < 1e-5);
        }
    }

    [Fact]
    public void Cfg_pp_sampler_at_cfg_one_asks_for_the_unconditional_prediction_every_step()
    {
        var model = new LinearFlowModel(Pattern(s_shape.Length));
        FlowModelSampling ms = FlowModelSampling.Schnell();
        var request = new KSamplerRequest(ms, "euler_pp", "simple", 4, s_shape, 3);
        FlowKSampler.Sample(request, new FlowGuidanceDenoiser(model, ms, 1.0), Noise(s_shape, 3), []);
        Assert.Equal((4, 4), (model.PositivePasses, model.NegativePasses));
    }

    [Fact]
    public void Callback_reports_every_step_and_cancellation_stops_between_passes()
    {
        var model = new LinearFlowModel(Pattern(s_shape.Length));
        FlowModelSampling ms = FlowModelSampling.Schnell();
        var reports = new List<(int Index, int Total, float Sigma)>();
        var request = new KSamplerRequest(ms, "dpmpp_2m", "normal", 5, s_shape, 9)
        {
            StepCallback = step => reports.Add((step.Index, step.TotalSteps, step.Sigma)),
        };
        KSamplerResult result = FlowKSampler.Sample(request, new FlowGuidanceDenoiser(model, ms, 1.0), Noise(s_shape, 9), []);
        Assert.Equal(Enumerable.Range(0, 5), reports.Select(r => r.Index));
        Assert.All(reports, r => Assert.Equal(5, r.Total));
        Assert.Equal(result.Sigmas[..5], reports.Select(r => r.Sigma));

        using var cts = new CancellationTokenSource();
        int passes = 0;
        model.OnPass = () =>
        {
            if (++passes == 2)
            {
                cts.Cancel();
            }
        };
        Assert.ThrowsAny<OperationCanceledException>(
            () => FlowKSampler.Sample(request, new FlowGuidanceDenoiser(model, ms, 1.0), Noise(s_shape, 9), [], cts.Token));
        Assert.Equal(2, passes);
    }

    [Fact]
    public void Zero_denoise_returns_the_input_latent_and_bad_requests_are_refused()
    {
        var model = new LinearFlowModel(Pattern(s_shape.Length));
        FlowModelSampling ms = FlowModelSampling.Schnell();
        var denoiser = new FlowGuidanceDenoiser(model, ms, 1.0);
        float[] latent = Noise(s_shape, 11);
        var request = new KSamplerRequest(ms, "euler", "simple", 4, s_shape, 1) { Denoise = 0 };
        Assert.Equal(latent, FlowKSampler.Sample(request, denoiser, Noise(s_shape, 1), latent).Samples);
        Assert.Equal(0, model.PositivePasses);

        Assert.Throws<UnknownSamplingNameException>(
            () => FlowKSampler.Sample(new KSamplerRequest(ms, "euler_x", "simple", 4, s_shape, 1), denoiser, Noise(s_shape, 1), []));
        Assert.Throws<UnknownSamplingNameException>(
            () => FlowKSampler.Sample(new KSamplerRequest(ms, "euler", "cosine", 4, s_shape, 1), denoiser, Noise(s_shape, 1), []));
        Assert.Throws<ArgumentException>(
            () => FlowKSampler.Sample(new KSamplerRequest(ms, "euler", "kl_optimal", 1, s_shape, 1), denoiser, Noise(s_shape, 1), []));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => FlowKSampler.Sample(new KSamplerRequest(ms, "euler", "simple", 0, s_shape, 1), denoiser, Noise(s_shape, 1), []));
        Assert.Throws<ArgumentException>(
            () => FlowKSampler.Sample(new KSamplerRequest(ms, "euler", "simple", 4, s_shape, 1), denoiser, new float[5], []));
    }

    public static TheoryData<string> AllSamplers()
    {
        var data = new TheoryData<string>();
        foreach (string name in SamplerCatalog.Names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllSamplers))]
    public void Every_sampler_reaches_a_finite_latent_and_treats_batch_samples_alike(string name)
    {
        // Two identical samples in a batch of two follow the same path as one sample alone (the noise of ancestral and
        // SDE samplers is drawn per batch, so only deterministic samplers must match exactly; all must stay finite).
        var single = new LatentShape(1, 16, 4, 4);
        var pair = single with { Batch = 2 };
        float[] pattern = Pattern(single.Length);
        float[] noise = Noise(single, 21);
        float[] noise2 = [.. noise, .. noise];
        FlowModelSampling ms = FlowModelSampling.Dev();
        LatentSampler sampler = SamplerCatalog.Get(name);
        int reports = 0;
        var one = FlowKSampler.Sample(
            new KSamplerRequest(ms, name, "normal", 6, single, 21) { StepCallback = _ => reports++ },
            new FlowGuidanceDenoiser(new LinearFlowModel(pattern), ms, 1.0),
            noise,
            []);
        var two = FlowKSampler.Sample(
            new KSamplerRequest(ms, name, "normal", 6, pair, 21),
            new FlowGuidanceDenoiser(new LinearFlowModel(pattern), ms, 1.0),
            noise2,
            []);
        Assert.All(one.Samples, v => Assert.True(float.IsFinite(v)));
        Assert.All(two.Samples, v => Assert.True(float.IsFinite(v)));
        Assert.True(reports >= 1);
        if (sampler.NoiseKind == SamplerNoiseKind.None)
        {
            Assert.Equal(one.Samples, two.Samples[..single.Length]);
            Assert.Equal(one.Samples, two.Samples[single.Length..]);
        }
    }

    private static float[] Pattern(int n)
    {
        var p = new float[n];
        for (int i = 0; i < n; i++)
        {
            p[i] = MathF.Sin(i * 0.37f);
        }

        return p;
    }

    private static float[] Noise(LatentShape shape, ulong seed) => new TorchGenerator(seed).Randn(shape.ToArray()).ToArray<float>();
}
