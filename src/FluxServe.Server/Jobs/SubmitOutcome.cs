namespace FluxServe.Server.Jobs;

/// <summary>The result of <see cref="JobStore.Submit"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Job">The queued or replayed job.</param>
/// <param name="BalanceMicro">The account's balance after the submit.</param>
public sealed record SubmitOutcome(SubmitStatus Status, JobRecord? Job, long BalanceMicro);
