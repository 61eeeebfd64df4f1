namespace FluxServe.Server.Loras;

/// <summary>A LoRA that cannot be registered; the message is one sentence (or the loader's list of bad keys) for the user.</summary>
public sealed class LoraRegistrationException : Exception
{
    public LoraRegistrationException(LoraRefusal reason, string field, string message)
        : base(message)
    {
        Reason = reason;
        Field = field;
    }

    public LoraRegistrationException()
        : this(LoraRefusal.NotALora, "file", "The LoRA cannot be registered.")
    {
    }

    public LoraRegistrationException(string message)
        : this(LoraRefusal.NotALora, "file", message)
    {
    }

    public LoraRegistrationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = LoraRefusal.NotALora;
        Field = "file";
    }

    /// <summary>Why.</summary>
    public LoraRefusal Reason { get; }

    /// <summary>The form field or option at fault: <c>name</c>, <c>file</c>, <c>trigger</c> or <c>account</c>.</summary>
    public string Field { get; }
}
