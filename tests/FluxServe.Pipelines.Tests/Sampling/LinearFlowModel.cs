using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>
/// A linear velocity model for sampler tests: <c>v = a·x + (b + c·t)·pattern + bias(branch)</c>, with counters.
/// </summary>
internal sealed class LinearFlowModel(float[] pattern, float a = 0.9f, float b = -1f, float c = 0.2f, float positiveBias = 0.1f, float negativeBias = -0.2f) : IFlowModel
{
    public int PositivePasses { get; private set; }

    public int NegativePasses { get; private set; }

    public List<float> Timesteps { get; } = [];

    public Action? OnPass { get; set; }

    public void PredictVelocity(ReadOnlySpan<float> x, float timestep, GuidanceBranch branch, Span<float> velocity, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        OnPass?.Invoke();
        Timesteps.Add(timestep);
        float bias = branch == GuidanceBranch.Positive ? positiveBias : negativeBias;
        if (branch == GuidanceBranch.Positive)
        {
            PositivePasses++;
        }
        else
        {
            NegativePasses++;
        }

        for (int i = 0; i < x.Length; i++)
        {
            velocity[i] = (a * x[i]) + ((b + (c * timestep)) * pattern[i % pattern.Length]) + bias;
        }
    }

    /// <summary>The velocity in double, for independent reference computations.</summary>
    public double Velocity(double x, double t, int index, bool positive) =>
        (a * x) + ((b + (c * t)) * pattern[index % pattern.Length]) + (positive ? positiveBias : negativeBias);
}
