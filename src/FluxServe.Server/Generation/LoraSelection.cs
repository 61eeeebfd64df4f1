namespace FluxServe.Server.Generation;

/// <summary>The registered LoRA a batch runs with, applied as a side path on the shared FLUX.1 [dev] weights.</summary>
/// <param name="Id">The LoRA's id (the uuid of its endpoint name).</param>
/// <param name="FilePath">Its safetensors file.</param>
/// <param name="Strength">The request's <c>lora_strength</c>.</param>
public sealed record LoraSelection(string Id, string FilePath, double Strength);
