namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The σ schedules of ComfyUI's KSampler for flow models (spec/sampling.md §3, §4): the nine schedulers, the
/// discard-penultimate variant, and the <c>denoise</c> truncation. Every value is the float32 the reference computes
/// (its float32 tensor arithmetic is reproduced where it decides the last bit).
/// </summary>
public static class SigmaSchedules
{
    private static readonly string[] s_names =
        ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic", "kl_optimal"];

    /// <summary>The scheduler names, in ComfyUI's current order.</summary>
    public static IReadOnlyList<string> Names => s_names;

    /// <summary>The scheduler called <paramref name="name"/>.</summary>
    /// <exception cref="UnknownSamplingNameException">Not one of <see cref="Names"/>.</exception>
    public static SigmaScheduler Parse(string? name)
    {
        int index = name is null ? -1 : Array.IndexOf(s_names, name);
        return index >= 0 ? (SigmaScheduler)index : throw new UnknownSamplingNameException("scheduler", name, s_names);
    }

    /// <summary>The ComfyUI name of <paramref name="scheduler"/>.</summary>
    public static string NameOf(SigmaScheduler scheduler) =>
        (uint)scheduler < (uint)s_names.Length ? s_names[(int)scheduler] : throw new ArgumentOutOfRangeException(nameof(scheduler));

    /// <summary>
    /// <c>KSampler(…).sigmas</c>: the schedule for <paramref name="steps"/> steps of <paramref name="sampler"/>
    /// (dpm_2, dpm_2_ancestral, uni_pc, uni_pc_bh2 drop the penultimate σ of an n + 1 schedule) at
    /// <paramref name="denoise"/> (≥ 0.9999: the full schedule; ≤ 0: empty; else the last steps + 1 values of the
    /// schedule for <c>int(steps/denoise)</c> steps).
    /// </summary>
    public static float[] ForKSampler(FlowModelSampling modelSampling, SigmaScheduler scheduler, int steps, double denoise, string sampler) =>
        ForKSampler(modelSampling, scheduler, steps, denoise, SamplerCatalog.Get(sampler).DiscardsPenultimateSigma);

    /// <summary><see cref="ForKSampler(FlowModelSampling, SigmaScheduler, int, double, string)"/> with the discard rule given.</summary>
    public static float[] ForKSampler(FlowModelSampling modelSampling, SigmaScheduler scheduler, int steps, double denoise, bool discardPenultimateSigma)
    {
        ArgumentNullException.ThrowIfNull(modelSampling);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (double.IsNaN(denoise) || denoise > 0.9999)
        {
            return Calculate(modelSampling, scheduler, steps, discardPenultimateSigma);
        }

        if (denoise <= 0.0)
        {
            return [];
        }

        int newSteps = (int)(steps / denoise);
        float[] full = Calculate(modelSampling, scheduler, newSteps, discardPenultimateSigma);
        int keep = Math.Min(full.Length, steps + 1);
        return full[^keep..];
    }

    /// <summary><c>KSampler.calculate_sigmas(steps)</c>: the scheduler, with the discard-penultimate rule.</summary>
    public static float[] Calculate(FlowModelSampling modelSampling, SigmaScheduler scheduler, int steps, bool discardPenultimateSigma)
    {
        if (!discardPenultimateSigma)
        {
            return Compute(modelSampling, scheduler, steps);
        }

        float[] sigmas = Compute(modelSampling, scheduler, steps + 1);
        if (sigmas.Length < 2)
        {
            return sigmas;
        }

        // sigmas[:-2] + sigmas[-1:]
        var result = new float[sigmas.Length - 1];
        sigmas.AsSpan(0, sigmas.Length - 2).CopyTo(result);
        result[^1] = sigmas[^1];
        return result;
    }

    /// <summary><c>comfy.samplers.calculate_sigmas(model_sampling, scheduler, steps)</c>.</summary>
    public static float[] Compute(FlowModelSampling modelSampling, SigmaScheduler scheduler, int steps)
    {
        ArgumentNullException.ThrowIfNull(modelSampling);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        return scheduler switch
        {
            SigmaScheduler.Simple => Simple(modelSampling, steps),
            SigmaScheduler.SgmUniform => Normal(modelSampling, steps, sgm: true),
            SigmaScheduler.Karras => Karras(steps, modelSampling.SigmaMin, modelSampling.SigmaMax),
            SigmaScheduler.Exponential => Exponential(steps, modelSampling.SigmaMin, modelSampling.SigmaMax),
            SigmaScheduler.DdimUniform => DdimUniform(modelSampling, steps),
            SigmaScheduler.Beta => Beta(modelSampling, steps, 0.6, 0.6),
            SigmaScheduler.Normal => Normal(modelSampling, steps, sgm: false),
            SigmaScheduler.LinearQuadratic => LinearQuadratic(modelSampling, steps),
            SigmaScheduler.KlOptimal => KlOptimal(steps, modelSampling.SigmaMin, modelSampling.SigmaMax),
            _ => throw new ArgumentOutOfRangeException(nameof(scheduler), scheduler, "Unknown scheduler."),
        };
    }

    /// <summary>
    /// BFL's <c>get_schedule(num_steps, image_seq_len, base_shift, max_shift, shift)</c>:
    /// <c>linspace(1, 0, n + 1)</c>, shifted by μ = the linear function of the token count when
    /// <paramref name="shift"/> (spec/sampling.md §8).
    /// </summary>
    public static float[] BflSchedule(int steps, int imageSequenceLength, bool shift, double baseShift = 0.5, double maxShift = 1.15)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        float[] timesteps = TorchFloat32.Linspace(1f, 0f, steps + 1);
        if (shift)
        {
            double slope = (maxShift - baseShift) / (4096 - 256);
            double intercept = baseShift - (slope * 256);
            double mu = (slope * imageSequenceLength) + intercept;
            for (int i = 0; i < timesteps.Length; i++)
            {
                timesteps[i] = FluxShiftSampling.FluxTimeShift(mu, timesteps[i]);
            }
        }

        return timesteps;
    }

    private static float[] Simple(FlowModelSampling ms, int steps)
    {
        ReadOnlySpan<float> table = ms.Sigmas;
        double stride = (double)table.Length / steps;
        var sigmas = new float[steps + 1];
        for (int x = 0; x < steps; x++)
        {
            sigmas[x] = table[table.Length - 1 - (int)(x * stride)];
        }

        return sigmas;
    }

    private static float[] DdimUniform(FlowModelSampling ms, int steps)
    {
        ReadOnlySpan<float> table = ms.Sigmas;
        var sigmas = new List<float>();
        if (Math.Abs(table[1]) <= 1e-5)
        {
            steps += 1;
        }
        else
        {
            sigmas.Add(0f);
        }

        int stride = Math.Max(table.Length / steps, 1);
        for (int x = 1; x < table.Length; x += stride)
        {
            sigmas.Add(table[x]);
        }

        sigmas.Reverse();
        return [.. sigmas];
    }

    private static float[] Normal(FlowModelSampling ms, int steps, bool sgm)
    {
        float start = ms.Timestep(ms.SigmaMax);
        float end = ms.Timestep(ms.SigmaMin);
        bool appendZero = true;
        float[] timesteps;
        if (sgm)
        {
            float[] all = TorchFloat32.Linspace(start, end, steps + 1);
            timesteps = all[..^1];
        }
        else
        {
            if (Math.Abs(ms.Sigma(end)) <= 1e-5)
            {
                steps += 1;
                appendZero = false;
            }

            timesteps = TorchFloat32.Linspace(start, end, steps);
        }

        var sigmas = new float[timesteps.Length + (appendZero ? 1 : 0)];
        for (int i = 0; i < timesteps.Length; i++)
        {
            sigmas[i] = ms.Sigma(timesteps[i]);
        }

        return sigmas;
    }

    private static float[] Karras(int n, float sigmaMin, float sigmaMax)
    {
        const double Rho = 7.0;
        float[] ramp = TorchFloat32.Linspace(0f, 1f, n);
        double minInvRho = Math.Pow(sigmaMin, 1 / Rho);
        double maxInvRho = Math.Pow(sigmaMax, 1 / Rho);
        float span = (float)(minInvRho - maxInvRho);
        float top = (float)maxInvRho;
        var sigmas = new float[n + 1];
        int vectorized = n - (n % 16);
        for (int i = 0; i < n; i++)
        {
            // PyTorch's pow kernel: SLEEF on blocks of 16, the C library's powf on the rest.
            float b = top + (ramp[i] * span);
            sigmas[i] = i < vectorized ? TorchFloat32.SleefPow(b, (float)Rho) : MathF.Pow(b, (float)Rho);
        }

        return sigmas;
    }

    private static float[] Exponential(int n, float sigmaMin, float sigmaMax)
    {
        float[] logs = TorchFloat32.Linspace((float)Math.Log(sigmaMax), (float)Math.Log(sigmaMin), n);
        var sigmas = new float[n + 1];
        for (int i = 0; i < n; i++)
        {
            sigmas[i] = TorchFloat32.SleefExp(logs[i]);
        }

        return sigmas;
    }

    private static float[] Beta(FlowModelSampling ms, int steps, double alpha, double beta)
    {
        ReadOnlySpan<float> table = ms.Sigmas;
        int totalTimesteps = table.Length - 1;
        var sigmas = new List<float>(steps + 1);
        double last = -1;
        double spacing = 1.0 / steps;
        for (int i = 0; i < steps; i++)
        {
            // 1 − numpy.linspace(0, 1, steps, endpoint=False); numpy.rint is round-half-to-even.
            double u = 1 - (i * spacing);
            double t = Math.Round(BetaDistribution.InverseRegularizedIncompleteBeta(alpha, beta, u) * totalTimesteps, MidpointRounding.ToEven);
            if (t != last)
            {
                sigmas.Add(table[(int)t]);
            }

            last = t;
        }

        sigmas.Add(0f);
        return [.. sigmas];
    }

    private static float[] LinearQuadratic(FlowModelSampling ms, int steps)
    {
        const double Threshold = 0.025;
        double[] schedule;
        if (steps == 1)
        {
            schedule = [1.0, 0.0];
        }
        else
        {
            int linearSteps = steps / 2;
            schedule = new double[steps + 1];
            for (int i = 0; i < linearSteps; i++)
            {
                schedule[i] = i * Threshold / linearSteps;
            }

            double stepDiff = linearSteps - (Threshold * steps);
            int quadraticSteps = steps - linearSteps;
            double quadraticCoef = stepDiff / (linearSteps * Math.Pow(quadraticSteps, 2));
            double linearCoef = (Threshold / linearSteps) - (2 * stepDiff / Math.Pow(quadraticSteps, 2));
            double constant = quadraticCoef * Math.Pow(linearSteps, 2);
            for (int i = linearSteps; i < steps; i++)
            {
                schedule[i] = (quadraticCoef * Math.Pow(i, 2)) + (linearCoef * i) + constant;
            }

            schedule[steps] = 1.0;
            for (int i = 0; i < schedule.Length; i++)
            {
                schedule[i] = 1.0 - schedule[i];
            }
        }

        var sigmas = new float[schedule.Length];
        for (int i = 0; i < schedule.Length; i++)
        {
            sigmas[i] = (float)schedule[i] * ms.SigmaMax;
        }

        return sigmas;
    }

    private static float[] KlOptimal(int n, float sigmaMin, float sigmaMax)
    {
        float atanMin = (float)Math.Atan(sigmaMin);
        float atanMax = (float)Math.Atan(sigmaMax);
        var sigmas = new float[n + 1];
        for (int k = 0; k < n; k++)
        {
            // arange(n).div_(n − 1): 0/0 is NaN for one step, as in ComfyUI.
            float a = (float)k / (float)(n - 1);
            sigmas[k] = TorchFloat32.SleefTan((a * atanMin) + ((1f - a) * atanMax));
        }

        return sigmas;
    }
}
