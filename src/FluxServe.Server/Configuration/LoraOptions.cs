namespace FluxServe.Server.Configuration;

/// <summary>LoRA endpoint registration (section <c>Loras</c>).</summary>
public sealed class LoraOptions
{
    /// <summary>The largest LoRA file <c>POST /admin/loras</c> accepts (2 GiB by default); a larger upload is refused with 413.</summary>
    public long MaxFileBytes { get; set; } = 2L << 30;
}
