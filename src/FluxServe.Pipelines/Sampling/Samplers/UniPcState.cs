namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// The pieces of ComfyUI's <c>comfy/extra_samplers/uni_pc.py</c> UniPC uses with <c>SigmaConvert</c>: the VP
/// marginals of an EPS σ in float32 (<c>log α = ½·log(1/(σ² + 1))</c>, <c>σ_t = √(1 − e^{2 log α})</c>,
/// <c>λ = log α − ½·log(1 − e^{2 log α})</c>), the data prediction <c>x₀ = (x − σ_t·ε)/α_t</c> with
/// <c>ε = (x√(σ² + 1) − D)/σ</c>, and the B(h) multistep update <c>multistep_uni_pc_bh_update</c>.
/// </summary>
internal sealed class UniPcState
{
    private readonly SamplerRun _run;
    private readonly bool _bh2;
    private readonly float[] _input;
    private readonly float[] _denoised;
    private readonly float[] _xBase;
    private readonly float[][] _d1;

    public UniPcState(SamplerRun run, bool bh2, int order)
    {
        _run = run;
        _bh2 = bh2;
        _input = run.NewLatent();
        _denoised = run.NewLatent();
        _xBase = run.NewLatent();
        ModelOut = run.NewLatent();
        _d1 = new float[Math.Max(order - 1, 0)][];
        for (int k = 0; k < _d1.Length; k++)
        {
            _d1[k] = run.NewLatent();
        }
    }

    /// <summary>Scratch for the corrector's model output.</summary>
    public float[] ModelOut { get; }

    public static float MarginalLogMeanCoeff(float sigma) => 0.5f * MathF.Log(1f / ((sigma * sigma) + 1));

    public static float MarginalAlpha(float sigma) => MathF.Exp(MarginalLogMeanCoeff(sigma));

    public static float MarginalStd(float sigma) => MathF.Sqrt(1f - MathF.Exp(2f * MarginalLogMeanCoeff(sigma)));

    public static float MarginalLambda(float sigma)
    {
        float logMean = MarginalLogMeanCoeff(sigma);
        float logStd = 0.5f * MathF.Log(1f - MathF.Exp(2f * logMean));
        return logMean - logStd;
    }

    /// <summary><c>data_prediction_fn(x, t)</c> into <paramref name="x0"/> (one model evaluation).</summary>
    public void DataPrediction(float[] x, float sigma, float[] x0)
    {
        // predict_eps_sigma: input = x·(σ² + 1)^½, ε = (input − D(input, σ))/σ
        float scale = MathF.Sqrt((sigma * sigma) + 1f);
        LatentMath.Scale(_input, scale, x);
        _run.Denoise(_input, sigma, _denoised);
        float alpha = MarginalAlpha(sigma), std = MarginalStd(sigma);

        // x₀ = (x − σ_t·ε)/α_t with ε = (input − D)/σ (ε kept in the input buffer).
        LatentMath.Derivative(_input, _input, _denoised, sigma);
        LatentMath.Combine(x0, 1f / alpha, x, -std / alpha, _input);
    }

    /// <summary>
    /// One UniPC update of <paramref name="x"/> (in place) to time <paramref name="t"/> with <paramref name="order"/>;
    /// with the corrector the model output at the predicted point goes to <paramref name="modelOut"/> and the method
    /// returns true.
    /// </summary>
    public bool Update(float[] x, List<float[]> models, List<float> times, float t, int order, bool useCorrector, float[] modelOut)
    {
        float tPrev0 = times[^1];
        float lambdaPrev0 = MarginalLambda(tPrev0);
        float lambdaT = MarginalLambda(t);
        float[] modelPrev0 = models[^1];
        float sigmaPrev0 = MarginalStd(tPrev0), sigmaT = MarginalStd(t);
        float alphaT = MathF.Exp(MarginalLogMeanCoeff(t));
        float h = lambdaT - lambdaPrev0;

        var rks = new double[order];
        for (int i = 1; i < order; i++)
        {
            float lambdaPrevI = MarginalLambda(times[^(i + 1)]);
            float rk = (lambdaPrevI - lambdaPrev0) / h;
            rks[i - 1] = rk;
            float inverse = 1f / rk;
            LatentMath.Combine(_d1[i - 1], inverse, models[^(i + 1)], -inverse, modelPrev0);
        }

        rks[order - 1] = 1.0;

        double hh = -(double)h;
        double hPhi1 = FlowMath.Expm1(hh);
        double hPhiK = (hPhi1 / hh) - 1;
        double factorial = 1;
        double bh = _bh2 ? FlowMath.Expm1(hh) : hh;
        var r = new double[order, order];
        var b = new double[order];
        for (int i = 1; i <= order; i++)
        {
            for (int k = 0; k < order; k++)
            {
                r[i - 1, k] = Math.Pow(rks[k], i - 1);
            }

            b[i - 1] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = (hPhiK / hh) - (1 / factorial);
        }

        int d1Count = order - 1;

        // x_t_ = (σ_t/σ_prev)·x − α_t·hφ₁·m₀
        float hPhi1F = (float)hPhi1;
        LatentMath.Combine(_xBase, sigmaT / sigmaPrev0, x, -(alphaT * hPhi1F), modelPrev0);
        float alphaBh = alphaT * (float)bh;

        // Predictor
        _xBase.CopyTo(x, 0);
        if (d1Count > 0)
        {
            double[] rhosP = order == 2 ? [0.5] : Solve(r, b, order - 1);
            for (int k = 0; k < d1Count; k++)
            {
                LatentMath.AddScaled(x, x, -alphaBh * (float)rhosP[k], _d1[k]);
            }
        }

        if (!useCorrector)
        {
            return false;
        }

        double[] rhosC = order == 1 ? [0.5] : Solve(r, b, order);
        DataPrediction(x, t, modelOut);

        // x_t = x_t_ − α_t·B(h)·(Σ ρ_c,k·D1_k + ρ_c,last·(m_t − m₀))
        float last = (float)rhosC[^1];
        LatentMath.Combine(x, 1f, _xBase, -alphaBh * last, modelOut, alphaBh * last, modelPrev0);
        for (int k = 0; k < d1Count; k++)
        {
            LatentMath.AddScaled(x, x, -alphaBh * (float)rhosC[k], _d1[k]);
        }

        return true;
    }

    /// <summary>Solves the leading <paramref name="n"/>×<paramref name="n"/> block of R·ρ = b (Gaussian elimination, pivoting).</summary>
    private static double[] Solve(double[,] r, double[] b, int n)
    {
        var m = new double[n, n];
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = b[i];
            for (int j = 0; j < n; j++)
            {
                m[i, j] = r[i, j];
            }
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int row = col + 1; row < n; row++)
            {
                if (Math.Abs(m[row, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = row;
                }
            }

            if (pivot != col)
            {
                for (int k = 0; k < n; k++)
                {
                    (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
                }

                (v[col], v[pivot]) = (v[pivot], v[col]);
            }

            for (int row = col + 1; row < n; row++)
            {
                double factor = m[row, col] / m[col, col];
                for (int k = col; k < n; k++)
                {
                    m[row, k] -= factor * m[col, k];
                }

                v[row] -= factor * v[col];
            }
        }

        for (int row = n - 1; row >= 0; row--)
        {
            double sum = v[row];
            for (int k = row + 1; k < n; k++)
            {
                sum -= m[row, k] * v[k];
            }

            v[row] = sum / m[row, row];
        }

        return v;
    }
}
