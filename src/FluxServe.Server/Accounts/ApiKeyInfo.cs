namespace FluxServe.Server.Accounts;

/// <summary>What <c>fluxserve keys list</c> shows of a key (never its secret).</summary>
/// <param name="Id">The key's public id (the 12 hex digits after <c>fs_</c>).</param>
/// <param name="AccountId">The account the key spends from.</param>
/// <param name="Name">A label.</param>
/// <param name="CreditsMicro">The account's balance in micro-credits.</param>
/// <param name="Models">Endpoint names the key may call; null: all.</param>
/// <param name="CreatedAt">Unix milliseconds.</param>
/// <param name="RevokedAt">Unix milliseconds, when revoked.</param>
/// <param name="IsAdmin">An admin key (may manage LoRA endpoints of any account).</param>
public sealed record ApiKeyInfo(string Id, long AccountId, string Name, long CreditsMicro, IReadOnlyList<string>? Models, long CreatedAt, long? RevokedAt,
    bool IsAdmin = false);
