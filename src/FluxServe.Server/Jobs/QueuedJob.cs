using FluxServe.Server.Catalog;

namespace FluxServe.Server.Jobs;

/// <summary>A job waiting in <see cref="JobQueue"/>.</summary>
/// <param name="Id">The request id.</param>
/// <param name="Sequence">Submit order.</param>
/// <param name="Model">The base model that runs it.</param>
/// <param name="Parameters">Its parameters (their batch key groups jobs).</param>
public sealed record QueuedJob(string Id, long Sequence, string Model, JobParameters Parameters);
