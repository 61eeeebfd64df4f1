namespace FluxServe.Models.Lora;

/// <summary>
/// A LoRA file that cannot be used with the model: unknown or unmatched keys, shapes that do not fit the target layer,
/// or an adapter type that cannot be applied. The message names every offending key.
/// </summary>
public sealed class LoraFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LoraFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public LoraFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public LoraFormatException()
        : base("The LoRA file cannot be used.")
    {
    }
}
