namespace FluxServe.Pipelines.Sampling.Samplers;

/// <summary>
/// <c>sa_solver</c> and <c>sa_solver_pece</c> (SA-Solver, arXiv:2309.05019; ComfyUI's <c>sample_sa_solver</c>):
/// a stochastic Adams predictor (order 3) and corrector (order 4) in the flow half-log-SNR with data predictions,
/// τ = 1 for σ between <c>percent_to_sigma(0.2)</c> and <c>percent_to_sigma(0.8)</c> and 0 outside, orders lowered
/// towards the end; PECE re-evaluates the model on the corrected state.
/// </summary>
internal sealed class SaSolverSampler(bool pece, int predictorOrder = 3, int correctorOrder = 4, float noiseScale = 1f) : LatentSampler
{
    public override string Name => pece ? "sa_solver_pece" : "sa_solver";

    public override SamplerNoiseKind NoiseKind => SamplerNoiseKind.Generator;

    private protected override void Run(SamplerRun run)
    {
        float[] sigmas = FlowMath.OffsetFirstSigma(run.Sigmas, run.ModelSampling);
        var lambdas = new float[sigmas.Length];
        for (int k = 0; k < sigmas.Length; k++)
        {
            lambdas[k] = FlowMath.HalfLogSnr(sigmas[k]);
        }

        double startSigma = run.ModelSampling.PercentToSigma(0.2);
        double endSigma = run.ModelSampling.PercentToSigma(0.8);
        int maxUsedOrder = Math.Max(predictorOrder, correctorOrder);

        float[] x = run.X;
        float[] xPred = (float[])x.Clone();
        float[] noise = run.NewLatent();
        float[] stepNoise = run.NewLatent();
        bool haveNoise = false;
        var predictions = new List<float[]>(maxUsedOrder + 1);
        var spare = new Stack<float[]>();
        float h = 0f;
        float tau = 0f;
        bool lowerOrderToEnd = sigmas[^1] == 0;
        for (int i = 0; i < run.TotalSteps; i++)
        {
            float sigma = sigmas[i], next = sigmas[i + 1];
            float[] denoised = spare.Count > 0 ? spare.Pop() : run.NewLatent();
            run.Denoise(xPred, sigma, denoised);
            run.Report(i, sigma, xPred, denoised);
            predictions.Add(denoised);
            if (predictions.Count > maxUsedOrder)
            {
                spare.Push(predictions[0]);
                predictions.RemoveAt(0);
            }

            int predictorUsed = Math.Min(predictorOrder, predictions.Count);
            int correctorUsed = i == 0 || (next == 0 && !pece) ? 0 : Math.Min(correctorOrder, predictions.Count);
            if (lowerOrderToEnd)
            {
                predictorUsed = Math.Min(predictorUsed, sigmas.Length - 2 - i);
                correctorUsed = Math.Min(correctorUsed, sigmas.Length - 1 - i);
            }

            // Corrector
            if (correctorUsed == 0)
            {
                xPred.CopyTo(x, 0);
            }
            else
            {
                double[] b = Coefficients(sigma, lambdas.AsSpan(i - correctorUsed + 1, correctorUsed), lambdas[i - 1], lambdas[i], tau);
                float decay = sigma / sigmas[i - 1] * MathF.Exp(-(tau * tau) * h);
                LatentMath.Scale(x, decay, x);
                Accumulate(x, predictions, b);
                if (tau > 0 && noiseScale > 0 && haveNoise)
                {
                    LatentMath.AddScaled(x, x, 1f, stepNoise);
                }

                if (pece)
                {
                    run.Denoise(x, sigma, predictions[^1]);
                    denoised = predictions[^1];
                }
            }

            // Predictor
            if (next == 0)
            {
                denoised.CopyTo(xPred, 0);
            }
            else
            {
                tau = startSigma >= next && next >= endSigma ? 1f : 0f;
                double[] b = Coefficients(next, lambdas.AsSpan(i - predictorUsed + 1, predictorUsed), lambdas[i], lambdas[i + 1], tau);
                h = lambdas[i + 1] - lambdas[i];
                float decay = next / sigma * MathF.Exp(-(tau * tau) * h);
                LatentMath.Scale(xPred, decay, x);
                Accumulate(xPred, predictions, b);
                if (tau > 0 && noiseScale > 0)
                {
                    run.GeneratorNoise.Next(sigma, next, noise);
                    LatentMath.Scale(stepNoise, next * MathF.Sqrt(-FlowMath.Expm1(-2 * tau * tau * h)) * noiseScale, noise);
                    haveNoise = true;
                    LatentMath.AddScaled(xPred, xPred, 1f, stepNoise);
                }
            }
        }

        run.X = xPred;
    }

    /// <summary><c>x += Σ_k b[k]·pred_list[−K + k]</c>.</summary>
    private static void Accumulate(float[] x, List<float[]> predictions, double[] b)
    {
        int first = predictions.Count - b.Length;
        for (int k = 0; k < b.Length; k++)
        {
            LatentMath.AddScaled(x, x, (float)b[k], predictions[first + k]);
        }
    }

    /// <summary>
    /// <c>compute_stochastic_adams_b_coeffs</c>: the Lagrange-basis integrals of the exponential integrator, from the
    /// Vandermonde system in the given λ points, times <c>α_t = σ_next·e^{λ_t}</c>.
    /// </summary>
    internal static double[] Coefficients(float sigmaNext, ReadOnlySpan<float> lambdas, float lambdaS, float lambdaT, float tau)
    {
        int n = lambdas.Length;
        double[] exponential = ExponentialCoefficients(lambdaS, lambdaT, n, tau);
        var matrix = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            for (int j = 0; j < n; j++)
            {
                matrix[k, j] = Math.Pow(lambdas[j], k);
            }
        }

        double[] solution = LinearSolve(matrix, exponential);
        double alphaT = sigmaNext * Math.Exp(lambdaT);
        for (int k = 0; k < n; k++)
        {
            solution[k] *= alphaT;
        }

        return solution;
    }

    /// <summary><c>compute_exponential_coeffs(s, t, order, τ)</c>: (1 + τ²)∫ e^{(1+τ²)x}·x^p dx from s to t with e^{(1+τ²)t} factored out.</summary>
    internal static double[] ExponentialCoefficients(double s, double t, int order, double tau)
    {
        double tauMul = 1 + (tau * tau);
        double h = t - s;
        var product = new double[order];
        for (int p = 0; p < order; p++)
        {
            product[p] = Math.Pow(t, p) - (Math.Pow(s, p) * Math.Exp(-tauMul * h));
        }

        var result = new double[order];
        for (int i = 0; i < order; i++)
        {
            double sum = 0;
            for (int j = 0; j <= i; j++)
            {
                int depth = i - j;
                double logCoefficient = LogFactorial(i) - LogFactorial(j);
                if (tau > 0)
                {
                    logCoefficient -= depth * Math.Log(tauMul);
                }

                double sign = depth % 2 == 0 ? 1 : -1;
                sum += Math.Exp(logCoefficient) * sign * product[j];
            }

            result[i] = sum;
        }

        return result;
    }

    private static double LogFactorial(int n)
    {
        double f = 1;
        for (int k = 2; k <= n; k++)
        {
            f *= k;
        }

        return Math.Log(f);
    }

    /// <summary>Gaussian elimination with partial pivoting (the systems are at most 4×4).</summary>
    private static double[] LinearSolve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
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

                (x[col], x[pivot]) = (x[pivot], x[col]);
            }

            for (int row = col + 1; row < n; row++)
            {
                double factor = m[row, col] / m[col, col];
                for (int k = col; k < n; k++)
                {
                    m[row, k] -= factor * m[col, k];
                }

                x[row] -= factor * x[col];
            }
        }

        for (int row = n - 1; row >= 0; row--)
        {
            double sum = x[row];
            for (int k = row + 1; k < n; k++)
            {
                sum -= m[row, k] * x[k];
            }

            x[row] = sum / m[row, row];
        }

        return x;
    }
}
