namespace FluxServe.Models.Checkpoints;

/// <summary>A checkpoint that cannot be used: a missing, extra or misshapen tensor, or an unknown layout.</summary>
/// <remarks>Thrown before any compute, with a message that names the source, the tensor and what was expected.</remarks>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public CheckpointException()
        : base("The checkpoint cannot be used.")
    {
    }
}
