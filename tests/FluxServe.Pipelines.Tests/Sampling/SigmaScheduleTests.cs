using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>Schedules against spec/sampling.md §3–4 (its float32 re-derivation and worked examples).</summary>
public sealed class SigmaScheduleTests
{
    public static TheoryData<string, float[]> SchnellFourSteps => new()
    {
        { "normal", [1.0f, 0.667f, 0.334f, 0.001f, 0f] },
        { "karras", [1.0f, 0.19361f, 0.02257f, 0.001f, 0f] },
        { "exponential", [1.0f, 0.1f, 0.01f, 0.001f, 0f] },
        { "sgm_uniform", [1.0f, 0.75025f, 0.5005f, 0.25075f, 0f] },
        { "simple", [1.0f, 0.75f, 0.5f, 0.25f, 0f] },
        { "ddim_uniform", [0.752f, 0.502f, 0.252f, 0.002f, 0f] },
        { "beta", [1.0f, 0.824f, 0.501f, 0.177f, 0f] },
        { "linear_quadratic", [1.0f, 0.9875f, 0.975f, 0.725f, 0f] },
        { "kl_optimal", [1.0f, 0.57779f, 0.26866f, 0.001f, 0f] },
    };

    [Theory]
    [MemberData(nameof(SchnellFourSteps))]
    public void Schnell_four_steps_match_the_spec_table(string scheduler, float[] expected)
    {
        float[] actual = SigmaSchedules.Compute(FlowModelSampling.Schnell(), SigmaSchedules.Parse(scheduler), 4);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1.5e-5, $"{scheduler}[{i}]: spec {expected[i]}, actual {actual[i]}");
        }
    }

    [Fact]
    public void Denoise_keeps_the_last_steps_of_a_longer_schedule()
    {
        // spec §3: schnell, normal, 4 steps, denoise 0.6 → new_steps 6 → keep [0.6004, 0.4006, 0.2008, 0.001, 0].
        float[] sigmas = SigmaSchedules.ForKSampler(FlowModelSampling.Schnell(), SigmaScheduler.Normal, 4, 0.6, "euler");
        float[] expected = [0.6004f, 0.4006f, 0.2008f, 0.001f, 0f];
        Assert.Equal(expected.Length, sigmas.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], sigmas[i], 5);
        }

        Assert.Empty(SigmaSchedules.ForKSampler(FlowModelSampling.Schnell(), SigmaScheduler.Normal, 4, 0, "euler"));
    }

    [Fact]
    public void Dev_schedules_match_the_spec_values()
    {
        FlowModelSampling dev = FlowModelSampling.Dev();
        float[] simple = SigmaSchedules.Compute(dev, SigmaScheduler.Simple, 4);
        float[] expected = [1.0f, 0.90453f, 0.75951f, 0.51284f, 0f];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], simple[i], 5);
        }

        float[] normal20 = SigmaSchedules.Compute(dev, SigmaScheduler.Normal, 20);
        Assert.Equal(0.98272f, normal20[1], 5);
        Assert.Equal(0.15003f, normal20[^3], 5);
        Assert.Equal(0.001f, normal20[^2], 4);
        Assert.Equal(0.00031575115f, dev.SigmaMin, 9);
    }

    [Fact]
    public void Ddim_uniform_yields_more_steps_when_the_table_does_not_divide()
    {
        // spec §4: T = 1000, n = 7 → stride 142 → 8 steps.
        float[] sigmas = SigmaSchedules.Compute(FlowModelSampling.Schnell(), SigmaScheduler.DdimUniform, 7);
        Assert.Equal(9, sigmas.Length);
        Assert.Equal(0f, sigmas[^1]);
    }

    [Fact]
    public void Resolution_shift_is_base_at_256_tokens_and_max_at_4096()
    {
        Assert.Equal(0.5, FluxShiftSampling.ResolutionShift(256, 256), 12);
        Assert.Equal(1.15, FluxShiftSampling.ResolutionShift(1024, 1024), 12);
        Assert.Equal(1.15, FlowModelSampling.DevForResolution(1024, 1024).Shift, 12);
    }

    [Fact]
    public void Bfl_schedule_unshifted_equals_simple()
    {
        float[] bfl = SigmaSchedules.BflSchedule(4, 4096, shift: false);
        Assert.Equal([1f, 0.75f, 0.5f, 0.25f, 0f], bfl);
    }

    [Fact]
    public void Kl_optimal_with_one_step_is_nan_as_in_comfyui()
    {
        float[] sigmas = SigmaSchedules.Compute(FlowModelSampling.Schnell(), SigmaScheduler.KlOptimal, 1);
        Assert.True(float.IsNaN(sigmas[0]));
        Assert.Equal(0f, sigmas[1]);
    }
}
