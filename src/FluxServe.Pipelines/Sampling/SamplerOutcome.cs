namespace FluxServe.Pipelines.Sampling;

/// <summary>What a sampler run leaves besides the latent.</summary>
/// <param name="FinalSigma">
/// The σ <c>inverse_noise_scaling</c> must use: the schedule's last σ, except that ComfyUI's uni_pc overwrites a
/// final 0 with 0.001 in place (a reproduced quirk: the result is then divided by 0.999).
/// </param>
/// <param name="DenoiserCalls">How many times <c>D(x, σ)</c> was evaluated.</param>
public readonly record struct SamplerOutcome(float FinalSigma, int DenoiserCalls);
