namespace FluxServe.Server.Generation;

/// <summary>A generator refused a request for a reason the client may read (e.g. a content block); the job fails
/// with <see cref="Exception.Message"/> as its error and is refunded.</summary>
public sealed class GenerationRejectedException : Exception
{
    public GenerationRejectedException()
    {
    }

    public GenerationRejectedException(string message)
        : base(message)
    {
    }

    public GenerationRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
