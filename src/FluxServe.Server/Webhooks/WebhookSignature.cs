using System.Security.Cryptography;
using System.Text;

namespace FluxServe.Server.Webhooks;

/// <summary>The <c>X-FluxServe-Signature</c> header: <c>sha256=</c> + hex HMAC-SHA256 of the raw body with the account's webhook secret.</summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-FluxServe-Signature";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Constant-time check of a received signature (what a receiver does).</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(header));
}
