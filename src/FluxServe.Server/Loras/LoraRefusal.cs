namespace FluxServe.Server.Loras;

/// <summary>Why a LoRA registration was refused.</summary>
public enum LoraRefusal
{
    /// <summary>The name breaks <see cref="LoraEndpointName.NameRule"/> (field <c>name</c>).</summary>
    InvalidName,

    /// <summary>The trigger word is too long or has line breaks (field <c>trigger</c>).</summary>
    InvalidTrigger,

    /// <summary>The file is not safetensors, or not a LoRA the FLUX.1-dev base can use (field <c>file</c>).</summary>
    NotALora,

    /// <summary>The file is larger than <c>Loras:MaxFileBytes</c> (field <c>file</c>).</summary>
    TooLarge,

    /// <summary>No account with that id (field <c>account</c>).</summary>
    UnknownAccount,
}
