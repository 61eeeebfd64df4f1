using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Pipelines.Sampling;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>schedulers</c>: ComfyUI's <c>KSampler(…).sigmas</c> (every scheduler, step count, denoise, discard-penultimate
/// sampler), the model-sampling table and functions of each variant, and BFL's <c>get_schedule</c>. The case kind is
/// read from its arguments (<c>scheduler</c>, <c>percents</c>, <c>num_steps</c>); the variant's model sampling from the
/// case or the folder's <c>config.json</c>.
/// </summary>
public sealed class SchedulersRunner : IFixtureRunner
{
    /// <inheritdoc />
    public string? SkipReason(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        if (fixtureCase.HasArgument("scheduler"))
        {
            string? scheduler = fixtureCase.Argument("scheduler").GetString();
            if (!SigmaSchedules.Names.Contains(scheduler))
            {
                return $"scheduler '{scheduler}' is not implemented (known: {string.Join(", ", SigmaSchedules.Names)})";
            }

            string? sampler = fixtureCase.Argument("sampler").GetString();
            if (!SamplerCatalog.Contains(sampler))
            {
                return $"sampler '{sampler}' is unknown, so its discard-penultimate rule is unknown";
            }
        }

        if (fixtureCase.HasArgument("num_steps"))
        {
            return null;
        }

        return FixtureVariants.SkipReason(fixtureCase);
    }

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        if (fixtureCase.HasArgument("scheduler"))
        {
            RunSchedule(fixtureCase);
        }
        else if (fixtureCase.HasArgument("num_steps"))
        {
            RunBflSchedule(fixtureCase);
        }
        else if (fixtureCase.HasArgument("percents"))
        {
            RunModelSampling(fixtureCase);
        }
        else
        {
            throw new XunitException($"{fixtureCase}: unknown case kind (no scheduler, num_steps or percents argument).");
        }
    }

    private static void RunSchedule(FixtureCase c)
    {
        FlowModelSampling ms = FixtureVariants.ModelSampling(c);
        SigmaScheduler scheduler = SigmaSchedules.Parse(c.Argument("scheduler").GetString());
        int steps = c.Argument("steps").GetInt32();
        double denoise = c.HasArgument("denoise") && c.Argument("denoise").ValueKind == JsonValueKind.Number ? c.Argument("denoise").GetDouble() : 1.0;
        float[] actual = SigmaSchedules.ForKSampler(ms, scheduler, steps, denoise, c.Argument("sampler").GetString()!);
        Compare(c, "sigmas", actual);
    }

    private static void RunBflSchedule(FixtureCase c)
    {
        float[] actual = SigmaSchedules.BflSchedule(
            c.Argument("num_steps").GetInt32(), c.Argument("image_seq_len").GetInt32(), c.Argument("shift").GetBoolean());
        Compare(c, "timesteps", actual);
    }

    private static void RunModelSampling(FixtureCase c)
    {
        FlowModelSampling ms = FixtureVariants.ModelSampling(c);
        Compare(c, "sigmas_table", ms.Sigmas.ToArray());

        float[] timesteps = Read(c.Input("timestep"));
        var sigmaOf = new float[timesteps.Length];
        var timestepOf = new float[timesteps.Length];
        for (int i = 0; i < timesteps.Length; i++)
        {
            sigmaOf[i] = ms.Sigma(timesteps[i]);
            timestepOf[i] = ms.Timestep(sigmaOf[i]); // the reference maps the σ back (a round trip)
        }

        Compare(c, "sigma_of_timestep", sigmaOf);
        Compare(c, "timestep_of_sigma", timestepOf);

        var percents = c.Argument("percents").EnumerateArray().Select(p => (float)ms.PercentToSigma(p.GetDouble())).ToArray();
        Compare(c, "percent_to_sigma", percents);

        float sigma = (float)c.Argument("noise_scaling_sigma").GetDouble();
        float[] noise = Read(c.Input("noise"));
        float[] latent = Read(c.Input("latent"));
        var scaled = new float[noise.Length];
        FlowModelSampling.NoiseScaling(sigma, noise, latent, scaled);
        Compare(c, "noise_scaling", scaled);
        float[] inverse = (float[])latent.Clone();
        FlowModelSampling.InverseNoiseScaling(sigma, inverse);
        Compare(c, "inverse_noise_scaling", inverse);
    }

    private static void Compare(FixtureCase c, string output, float[] actual)
    {
        using Tensor expected = c.Tensor(c.OutputName(output));
        float[] values = FixtureTensors.ToSingles(expected);
        if (values.Length != actual.Length)
        {
            throw new XunitException(
                $"{c} {output}: expected {values.Length} values [{string.Join(", ", values)}], actual {actual.Length} [{string.Join(", ", actual)}].");
        }

        FixtureAssert.Close(values, actual, c.Tolerance, $"{c} {output}");
    }

    private static float[] Read(Tensor tensor)
    {
        using (tensor)
        {
            return FixtureTensors.ToSingles(tensor);
        }
    }
}

/// <summary>The model sampling of a fixture variant (schnell, dev at a resolution), from a case or the folder's config.</summary>
internal static class FixtureVariants
{
    /// <summary>Why the case's variant cannot be built, or null.</summary>
    public static string? SkipReason(FixtureCase fixtureCase)
    {
        try
        {
            JsonElement variant = Describe(fixtureCase);
            string? kind = ClassOf(variant);
            return kind is "ModelSamplingDiscreteFlow" or "ModelSamplingFlux" ? null : $"model sampling '{kind}' is not implemented";
        }
        catch (KeyNotFoundException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The model sampling of the case's variant.</summary>
    public static FlowModelSampling ModelSampling(FixtureCase fixtureCase)
    {
        JsonElement v = Describe(fixtureCase);
        string? kind = ClassOf(v);
        double shift = v.TryGetProperty("shift", out var s) ? s.GetDouble() : 1.0;
        switch (kind)
        {
            case "ModelSamplingDiscreteFlow":
                double multiplier = v.TryGetProperty("multiplier", out var m) ? m.GetDouble() : 1000.0;
                return new DiscreteFlowSampling(shift, multiplier);
            case "ModelSamplingFlux":
                if (v.TryGetProperty("width", out var w) && v.TryGetProperty("height", out var h))
                {
                    // The ModelSamplingFlux node's μ, which the variant's recorded shift must equal.
                    double mu = FluxShiftSampling.ResolutionShift(w.GetInt32(), h.GetInt32());
                    if (Math.Abs(mu - shift) > 1e-12 * Math.Max(1, Math.Abs(shift)))
                    {
                        throw new XunitException($"{fixtureCase}: the node's μ for {w}x{h} is {mu}, the variant records {shift}.");
                    }

                    return new FluxShiftSampling(mu);
                }

                return new FluxShiftSampling(shift);
            default:
                throw new XunitException($"{fixtureCase}: unknown model sampling '{kind}'.");
        }
    }

    private static string? ClassOf(JsonElement variant) =>
        variant.TryGetProperty("model_sampling_classes", out var classes) && classes.GetArrayLength() > 0 ? classes[0].GetString() : null;

    private static JsonElement Describe(FixtureCase fixtureCase)
    {
        if (fixtureCase.HasArgument("model_sampling_classes"))
        {
            return fixtureCase.Arguments;
        }

        string? name = fixtureCase.Argument("variant").GetString();
        if (fixtureCase.Folder.Config.TryGetProperty("variants", out var variants))
        {
            foreach (JsonElement v in variants.EnumerateArray())
            {
                if (v.TryGetProperty("variant", out var n) && n.GetString() == name)
                {
                    return v;
                }
            }
        }

        throw new KeyNotFoundException($"variant '{name}' is not described in {fixtureCase.Folder.Name}/config.json");
    }
}
