namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>uni_pc</c> (B(h) = h) and <c>uni_pc_bh2</c> (B(h) = expm1(h)): ComfyUI's UniPC (multistep, data prediction,
/// predictor–corrector, order min(3, len − 2), lower order at the end) in a VP parameterisation that treats σ as an
/// EPS σ (spec/sampling.md §6.1). A final σ of 0 is replaced by 0.001 <em>in the caller's schedule</em>, so the
/// KSampler's inverse noise scaling divides by 0.999 (reported as <see cref="SamplerOutcome.FinalSigma"/>). The VP
/// marginals are float32 as in the reference: near σ = 0.001 their cancellation is part of the result.
/// </summary>
internal sealed class UniPcSampler(bool bh2) : LatentSampler
{
    public override string Name => bh2 ? "uni_pc_bh2" : "uni_pc";

    public override bool DiscardsPenultimateSigma => true;

    private protected override void Run(SamplerRun run)
    {
        float[] timesteps = (float[])run.Sigmas.Clone();
        if (timesteps[^1] == 0)
        {
            timesteps[^1] = 0.001f;
            run.FinalSigma = 0.001f;
        }

        float[] x = run.X;
        float start = MathF.Sqrt(1f + (timesteps[0] * timesteps[0]));
        LatentMath.Scale(x, 1f / start, x);

        int steps = timesteps.Length - 1;
        int order = Math.Min(3, timesteps.Length - 2);
        var state = new UniPcState(run, bh2, Math.Max(order, 1));
        var models = new List<float[]>();
        var times = new List<float>();
        for (int stepIndex = 0; stepIndex < steps; stepIndex++)
        {
            if (stepIndex == 0)
            {
                float[] m0 = run.NewLatent();
                state.DataPrediction(x, timesteps[0], m0);
                models.Add(m0);
                times.Add(timesteps[0]);
            }
            else if (stepIndex < order)
            {
                float t = timesteps[stepIndex];
                float[] model = run.NewLatent();
                bool evaluated = state.Update(x, models, times, t, stepIndex, useCorrector: true, model);
                if (!evaluated)
                {
                    state.DataPrediction(x, t, model);
                }

                models.Add(model);
                times.Add(t);
            }
            else
            {
                int extraFinal = stepIndex == steps - 1 ? 1 : 0;
                for (int step = stepIndex; step <= stepIndex + extraFinal; step++)
                {
                    float t = timesteps[step];
                    int stepOrder = Math.Min(order, steps + 1 - step);
                    bool useCorrector = step != steps;
                    float[] oldest = models[0];
                    bool evaluated = state.Update(x, models, times, t, stepOrder, useCorrector, state.ModelOut);
                    for (int k = 0; k < order - 1; k++)
                    {
                        times[k] = times[k + 1];
                        models[k] = models[k + 1];
                    }

                    times[^1] = t;
                    if (step < steps)
                    {
                        if (!evaluated)
                        {
                            state.DataPrediction(x, t, state.ModelOut);
                        }

                        // The freed oldest buffer takes the new model output; ModelOut becomes the next scratch.
                        state.ModelOut.CopyTo(oldest, 0);
                        models[^1] = oldest;
                    }
                }
            }

            run.Report(stepIndex, timesteps[stepIndex], x, models[^1]);
        }

        LatentMath.Scale(x, 1f / UniPcState.MarginalAlpha(timesteps[^1]), x);
    }
}
