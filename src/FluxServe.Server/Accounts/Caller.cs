namespace FluxServe.Server.Accounts;

/// <summary>The authenticated caller of a request.</summary>
/// <param name="KeyId">The API key's public id (the rate-limit partition).</param>
/// <param name="AccountId">The account that pays.</param>
/// <param name="Models">Endpoint names the key may call; null: all.</param>
public sealed record Caller(string KeyId, long AccountId, IReadOnlyList<string>? Models)
{
    /// <summary>An admin key (<c>fluxserve keys create --admin</c>) may manage LoRA endpoints of any account.</summary>
    public bool IsAdmin { get; init; }

    public bool MayUse(string endpoint) => Models is null || Models.Contains(endpoint, StringComparer.Ordinal);
}
