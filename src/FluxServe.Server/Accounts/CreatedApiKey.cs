namespace FluxServe.Server.Accounts;

/// <summary>A new key: <see cref="Key"/> is shown once and never stored.</summary>
/// <param name="Key">The full key text for <c>x-api-key</c>.</param>
/// <param name="Info">The stored key's details.</param>
/// <param name="WebhookSecret">The account's secret for webhook signatures.</param>
public sealed record CreatedApiKey(string Key, ApiKeyInfo Info, string WebhookSecret);
