namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// A flow-matching network as the samplers see it: the velocity <c>v(x, t)</c> for one conditioning. FLUX's
/// transformer (its conditioning, guidance embedding and packing are the implementation's business) or a test model.
/// </summary>
public interface IFlowModel
{
    /// <summary>Writes the velocity for the latent batch <paramref name="x"/> at model time <paramref name="timestep"/>.</summary>
    /// <param name="x">The noisy latent batch (the model input is <c>x</c> unscaled for flow models).</param>
    /// <param name="timestep">The model time, <see cref="FlowModelSampling.Timestep"/> of σ (σ itself for FLUX).</param>
    /// <param name="branch">Which conditioning to use.</param>
    /// <param name="velocity">Receives <c>v</c> (same length as <paramref name="x"/>).</param>
    /// <param name="cancellationToken">Stops a long pass.</param>
    void PredictVelocity(ReadOnlySpan<float> x, float timestep, GuidanceBranch branch, Span<float> velocity, CancellationToken cancellationToken);
}
