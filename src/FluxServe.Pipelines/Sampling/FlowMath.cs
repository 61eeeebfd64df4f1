namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The scalar functions of σ the samplers share, in the float32 arithmetic the reference applies to its 0-dim σ
/// tensors (so that, e.g., a Brownian query at <c>σ(λ)</c> lands on the same float as ComfyUI's).
/// </summary>
internal static class FlowMath
{
    /// <summary>Half-log-SNR of a flow σ: <c>λ = −logit(σ) = −log(σ/(1 − σ))</c> (<c>sigma_to_half_log_snr</c>, CONST).</summary>
    public static float HalfLogSnr(float sigma) => -MathF.Log(sigma / (1f - sigma));

    /// <summary>σ of a half-log-SNR: <c>sigmoid(−λ) = 1/(1 + e^λ)</c> (<c>half_log_snr_to_sigma</c>, CONST).</summary>
    public static float SigmaOfHalfLogSnr(float lambda) => 1f / (1f + MathF.Exp(lambda));

    /// <summary><c>t = −log σ</c> (the k-diffusion time of DPM-Solver++ samplers, used for flow models too).</summary>
    public static float NegLog(float sigma) => -MathF.Log(sigma);

    /// <summary><c>e^x − 1</c> without cancellation near 0, rounded to float32 (<c>torch.expm1</c>).</summary>
    public static float Expm1(float x) => (float)Expm1((double)x);

    /// <summary><c>e^x − 1</c> in double (Kahan's method: exact to a few ulps, also for tiny |x|).</summary>
    public static double Expm1(double x)
    {
        if (double.IsNegativeInfinity(x))
        {
            return -1;
        }

        if (Math.Abs(x) < 1e-5)
        {
            return x + (x * x / 2) + (x * x * x / 6);
        }

        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        double um1 = u - 1.0;
        if (um1 == -1.0 || double.IsInfinity(u))
        {
            return um1;
        }

        return um1 * x / Math.Log(u);
    }

    /// <summary><c>torch.lerp(a, b, w)</c> for scalars (its two-sided formula).</summary>
    public static float Lerp(float a, float b, float w) =>
        MathF.Abs(w) < 0.5f ? a + (w * (b - a)) : b - ((b - a) * (1f - w));

    /// <summary>
    /// k-diffusion's <c>get_ancestral_step(σ_from, σ_to, η)</c> on float32 σ:
    /// <c>up = min(σ_to, η·√(σ_to²(σ_from² − σ_to²)/σ_from²))</c>, <c>down = √(σ_to² − up²)</c>; η = 0 gives
    /// (σ_to, 0). Python's <c>min</c> keeps σ_to when the other operand is NaN (σ_from = ∞ at a flow σ of 1).
    /// </summary>
    public static (float Down, float Up) AncestralStep(float sigmaFrom, float sigmaTo, float eta)
    {
        if (eta == 0)
        {
            return (sigmaTo, 0f);
        }

        float to2 = sigmaTo * sigmaTo;
        float from2 = sigmaFrom * sigmaFrom;
        float candidate = eta * MathF.Sqrt(to2 * (from2 - to2) / from2);
        float up = candidate < sigmaTo ? candidate : sigmaTo;
        float down = MathF.Sqrt(to2 - (up * up));
        return (down, up);
    }

    /// <summary>
    /// ComfyUI's <c>offset_first_sigma_for_snr</c> for flow models: a first σ ≥ 1 (λ = −∞) becomes
    /// <c>percent_to_sigma(1e-4)</c>, stored as float32. Returns a copy when it changes anything.
    /// </summary>
    public static float[] OffsetFirstSigma(float[] sigmas, FlowModelSampling modelSampling)
    {
        if (sigmas.Length <= 1 || !(sigmas[0] >= 1f))
        {
            return sigmas;
        }

        float[] copy = (float[])sigmas.Clone();
        copy[0] = (float)modelSampling.PercentToSigma(1e-4);
        return copy;
    }

    /// <summary>The smallest positive σ and the largest σ of a schedule (the Brownian tree's range).</summary>
    public static (float Min, float Max) PositiveRange(ReadOnlySpan<float> sigmas)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float s in sigmas)
        {
            if (s > 0 && s < min)
            {
                min = s;
            }

            if (s > max)
            {
                max = s;
            }
        }

        return (min, max);
    }
}
