namespace FluxServe.Server.Jobs;

/// <summary>How a submit ended.</summary>
public enum SubmitStatus
{
    /// <summary>Paid for and queued.</summary>
    Accepted,

    /// <summary>The Idempotency-Key was seen before with the same body: the earlier job is returned, nothing is charged.</summary>
    Replayed,

    /// <summary>The Idempotency-Key was seen before with a different body.</summary>
    IdempotencyConflict,

    /// <summary>The account cannot pay; nothing was stored or charged.</summary>
    InsufficientCredits,
}
