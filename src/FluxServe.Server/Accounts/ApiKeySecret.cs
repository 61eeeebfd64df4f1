using System.Security.Cryptography;
using System.Text;

namespace FluxServe.Server.Accounts;

/// <summary>API key text: <c>fs_{id}_{secret}</c>. The id (12 hex digits) finds the row; only SHA-256(secret) is stored.</summary>
/// <remarks>
/// The secret is 32 random bytes, so a fast hash is enough (no password stretching is needed against guessing);
/// comparison is constant-time so response timing says nothing about a stored hash.
/// </remarks>
public static class ApiKeySecret
{
    private const string Prefix = "fs_";
    private const int IdLength = 12;

    /// <summary>Makes a new key: its id, full text (shown once) and stored hash.</summary>
    public static (string Id, string Key, byte[] Hash) Create()
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        string secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (id, $"{Prefix}{id}_{secret}", Hash(secret));
    }

    /// <summary>Splits key text into id and secret; false for anything not shaped like a key.</summary>
    public static bool TryParse(string? key, out string id, out string secret)
    {
        id = secret = "";
        if (key is null || key.Length < Prefix.Length + IdLength + 2 || !key.StartsWith(Prefix, StringComparison.Ordinal)
            || key[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        id = key.Substring(Prefix.Length, IdLength);
        secret = key[(Prefix.Length + IdLength + 1)..];
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Constant-time comparison of a presented secret with a stored hash.</summary>
    public static bool Matches(string secret, ReadOnlySpan<byte> storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
