namespace FluxServe.Server.Generation;

/// <summary>Step <see cref="Step"/> of <see cref="TotalSteps"/> has finished.</summary>
/// <param name="Step">Finished steps, 1-based.</param>
/// <param name="TotalSteps">Steps of the whole run (may exceed the requested steps for some schedulers).</param>
public readonly record struct StepProgress(int Step, int TotalSteps);
