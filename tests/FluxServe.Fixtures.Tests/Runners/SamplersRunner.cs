using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Pipelines.Sampling;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>samplers</c>: ComfyUI's KSampler (schedule, noise scaling, sampler, inverse scaling, <c>process_out</c>) for
/// every sampler on the fixture's toy flow model (README-text.md: <c>v = α·x + (β + γ·t)·C + κ·mean(context)</c>,
/// <c>D = x − σ·v</c>) from the recorded start noise. The reference's intermediates are compared in pipeline order
/// before the result, so a failure names the first quantity that went wrong: the schedule, the σ of every network
/// call (first, for the adaptive sampler), the per-step callbacks, the sampler's output, the final latent.
/// </summary>
public sealed class SamplersRunner : IFixtureRunner
{
    /// <inheritdoc />
    public string? SkipReason(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        string? sampler = fixtureCase.Argument("sampler").GetString();
        if (!SamplerCatalog.Contains(sampler))
        {
            return $"sampler '{sampler}' is not implemented";
        }

        string? scheduler = fixtureCase.Argument("scheduler").GetString();
        if (!SigmaSchedules.Names.Contains(scheduler))
        {
            return $"scheduler '{scheduler}' is not implemented";
        }

        string? variantProblem = FixtureVariants.SkipReason(fixtureCase);
        if (variantProblem is not null)
        {
            return variantProblem;
        }

        // ComfyUI samples a NaN schedule (kl_optimal with one step) into NaNs; FluxServe refuses it (the API's 400).
        float[] sigmas;
        try
        {
            sigmas = SigmaSchedules.ForKSampler(
                FixtureVariants.ModelSampling(fixtureCase),
                SigmaSchedules.Parse(scheduler),
                fixtureCase.Argument("steps").GetInt32(),
                fixtureCase.Argument("denoise").GetDouble(),
                sampler!);
        }
        catch (Exception ex) when (ex is XunitException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            return null; // not skipped: running the case reports the problem
        }

        return sigmas.All(float.IsFinite)
            ? null
            : $"the {scheduler} schedule for {fixtureCase.Argument("steps").GetInt32()} step(s) has a NaN σ; FluxServe refuses to sample it (docs/sampling.md)";
    }

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        FixtureCase c = fixtureCase;
        FlowModelSampling ms = FixtureVariants.ModelSampling(c);
        float[] noise = Read(c.Input("noise"), out int[] shapeArray);
        LatentShape shape = LatentShape.From(shapeArray);
        float[] latent = Read(c.Input("latent_image"), out _);
        JsonElement toyConfig = c.Folder.Config.GetProperty("toy");
        var toy = new ToyFlowModel(
            shape,
            Read(c.Input("toy_C"), out _),
            Read(c.Input("context_pos"), out int[] positiveShape),
            positiveShape[0],
            Read(c.Input("context_neg"), out int[] negativeShape),
            negativeShape[0],
            (float)toyConfig.GetProperty("alpha").GetDouble(),
            (float)toyConfig.GetProperty("beta").GetDouble(),
            (float)toyConfig.GetProperty("gamma").GetDouble(),
            (float)toyConfig.GetProperty("kappa").GetDouble());
        double cfg = c.Argument("cfg").GetDouble();
        var denoiser = new RecordingDenoiser(new FlowGuidanceDenoiser(toy, ms, cfg), shape.Batch, cfg);
        var steps = new List<(int Index, float[] X, float[] Denoised)>();
        var request = new KSamplerRequest(
            ms, c.Argument("sampler").GetString()!, c.Argument("scheduler").GetString()!, c.Argument("steps").GetInt32(), shape, ReadSeed(c.Argument("seed")))
        {
            Denoise = c.Argument("denoise").GetDouble(),
            StepCallback = step => steps.Add((step.Index, step.X.ToArray(), step.Denoised.ToArray())),
        };

        // The sampler's output before inverse scaling is recovered from the samples (process_out and x/(1 − σ) are exact enough to invert).
        KSamplerResult result = FlowKSampler.Sample(request, denoiser, noise, latent);
        FixtureTolerance tolerance = c.Tolerance;

        CompareIntermediate(c, "sigmas", result.Sigmas, tolerance);
        if (c.Intermediates.TryGetProperty("sigmas_after_sampler", out _))
        {
            float[] after = (float[])result.Sigmas.Clone();
            after[^1] = result.Outcome.FinalSigma;
            CompareIntermediate(c, "sigmas_after_sampler", after, tolerance);
        }
        else if (result.Sigmas.Length > 0 && result.Outcome.FinalSigma != result.Sigmas[^1])
        {
            throw new XunitException($"{c}: the sampler changed the final σ to {result.Outcome.FinalSigma}; the reference did not.");
        }

        CompareIntermediate(c, "model_eval_sigmas", [.. denoiser.Sigmas], tolerance);
        CompareIntermediate(c, "model_eval_batch", [.. denoiser.Batches], tolerance);
        CompareIntermediate(c, "callback_step", [.. steps.Select(s => (float)s.Index)], tolerance);
        CompareIntermediate(c, "callback_x", Concatenate(steps.Select(s => s.X)), tolerance);
        CompareIntermediate(c, "callback_denoised", Concatenate(steps.Select(s => s.Denoised)), tolerance);
        if (c.Intermediates.TryGetProperty("x_start", out _) && result.Sigmas.Length > 0)
        {
            var xStart = new float[noise.Length];
            float[] latentIn = (float[])latent.Clone();
            if (latentIn.Any(v => v != 0))
            {
                FluxLatentFormat.ProcessIn(latentIn);
            }

            FlowModelSampling.NoiseScaling(result.Sigmas[0], noise, latentIn, xStart);
            CompareIntermediate(c, "x_start", xStart, tolerance);
        }

        using Tensor expected = c.Tensor(c.OutputName("samples"));
        FixtureAssert.Close(FixtureTensors.ToSingles(expected), result.Samples, tolerance, $"{c} samples");
    }

    private static void CompareIntermediate(FixtureCase c, string name, float[] actual, FixtureTolerance tolerance)
    {
        if (!c.Intermediates.TryGetProperty(name, out JsonElement tensorName) || tensorName.ValueKind != JsonValueKind.String)
        {
            return;
        }

        using Tensor expected = c.Tensor(tensorName.GetString()!);
        float[] values = FixtureTensors.ToSingles(expected);
        if (values.Length != actual.Length)
        {
            string show = values.Length <= 40 ? $" expected [{string.Join(", ", values)}], actual [{string.Join(", ", actual)}]" : "";
            throw new XunitException($"{c} {name}: expected {values.Length} values, actual {actual.Length}.{show}");
        }

        FixtureAssert.Close(values, actual, tolerance, $"{c} intermediate {name}");
    }

    private static float[] Concatenate(IEnumerable<float[]> parts) => [.. parts.SelectMany(p => p)];

    private static float[] Read(Tensor tensor, out int[] shape)
    {
        using (tensor)
        {
            shape = tensor.Shape.ToArray();
            return FixtureTensors.ToSingles(tensor);
        }
    }

    private static ulong ReadSeed(JsonElement seed) => seed.TryGetUInt64(out ulong value) ? value : unchecked((ulong)seed.GetInt64());
}

/// <summary>
/// The fixtures' toy velocity model: <c>v = α·x + (β + γ·t)·C + κ·mean(context)</c>, C broadcast over the batch, the
/// context mean taken per batch element (a context of batch 1 is repeated, as ComfyUI repeats conds).
/// </summary>
internal sealed class ToyFlowModel : IFlowModel
{
    private readonly LatentShape _shape;
    private readonly float[] _c;
    private readonly float[] _positiveMeans;
    private readonly float[] _negativeMeans;
    private readonly float _alpha, _beta, _gamma, _kappa;

    public ToyFlowModel(
        LatentShape shape, float[] c, float[] positive, int positiveBatch, float[] negative, int negativeBatch, float alpha, float beta, float gamma, float kappa)
    {
        if (c.Length != shape.SampleLength)
        {
            throw new XunitException($"toy C has {c.Length} values; a latent sample has {shape.SampleLength}.");
        }

        _shape = shape;
        _c = c;
        _positiveMeans = Means(positive, positiveBatch);
        _negativeMeans = Means(negative, negativeBatch);
        (_alpha, _beta, _gamma, _kappa) = (alpha, beta, gamma, kappa);
    }

    public void PredictVelocity(ReadOnlySpan<float> x, float timestep, GuidanceBranch branch, Span<float> velocity, CancellationToken cancellationToken)
    {
        float[] means = branch == GuidanceBranch.Positive ? _positiveMeans : _negativeMeans;
        float scale = _beta + (_gamma * timestep);
        int per = _shape.SampleLength;
        for (int b = 0; b < _shape.Batch; b++)
        {
            float context = _kappa * means[b % means.Length];
            for (int k = 0; k < per; k++)
            {
                int i = (b * per) + k;
                velocity[i] = (_alpha * x[i]) + (scale * _c[k]) + context;
            }
        }
    }

    private static float[] Means(float[] context, int batch)
    {
        int per = context.Length / batch;
        var means = new float[batch];
        for (int b = 0; b < batch; b++)
        {
            double sum = 0;
            for (int k = 0; k < per; k++)
            {
                sum += context[(b * per) + k];
            }

            means[b] = (float)(sum / per);
        }

        return means;
    }
}

/// <summary>Records σ and the network batch (latent batch × conditionings) of every denoiser call.</summary>
internal sealed class RecordingDenoiser(IDenoiser inner, int batch, double cfg) : IDenoiser
{
    private readonly bool _cfgOne = Math.Abs(cfg - 1.0) <= 1e-9 * Math.Max(Math.Abs(cfg), 1.0);

    public List<float> Sigmas { get; } = [];

    public List<float> Batches { get; } = [];

    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised, Span<float> unconditional, CancellationToken cancellationToken)
    {
        Sigmas.Add(sigma);
        Batches.Add(batch * (unconditional.IsEmpty && _cfgOne ? 1 : 2));
        inner.Denoise(x, sigma, denoised, unconditional, cancellationToken);
    }
}
