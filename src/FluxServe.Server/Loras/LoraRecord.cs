namespace FluxServe.Server.Loras;

/// <summary>A registered LoRA: one endpoint <c>{Id}-{Name}</c> on the shared FLUX.1-dev base, owned by one account.</summary>
/// <param name="Id">A lowercase UUID (36 characters).</param>
/// <param name="Name">The name the owner chose (<see cref="LoraEndpointName.IsValidName"/>).</param>
/// <param name="AccountId">The owning account; another account's key may not use the endpoint.</param>
/// <param name="FilePath">The absolute path of the stored copy, <c>{DataFolder}/loras/{Id}.safetensors</c>.</param>
/// <param name="Trigger">A word the prompt should contain to invoke the LoRA's concept, when the trainer named one.</param>
/// <param name="Sha256">SHA-256 of the file, lowercase hex.</param>
/// <param name="Bytes">The file's length.</param>
/// <param name="Summary">What the loader found (<c>LoraSummary.ToString()</c> at registration).</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="RemovedAt">When it was removed (only <see cref="LoraStore.Get"/> returns removed ones).</param>
public sealed record LoraRecord(
    string Id,
    string Name,
    long AccountId,
    string FilePath,
    string? Trigger,
    string Sha256,
    long Bytes,
    string? Summary,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RemovedAt = null)
{
    /// <summary>The model name clients call: <c>{Id}-{Name}</c>.</summary>
    public string EndpointName => $"{Id}-{Name}";
}
