using System.Collections.Concurrent;
using System.Security.Cryptography;
using FluxServe.Server.Storage;
using FluxServe.Server.Storage.Sqlite;

namespace FluxServe.Server.Accounts;

/// <summary>Accounts, their API keys and balances.</summary>
public sealed class AccountStore
{
    // Keys found valid are remembered briefly so status polls do not read the key table each time; a key revoked
    // from the command line stops working within this time.
    private static readonly TimeSpan KeyCacheLifetime = TimeSpan.FromSeconds(10);

    private readonly ServerDatabase _database;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedKey> _keys = new(StringComparer.Ordinal);

    public AccountStore(ServerDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Creates a key; with no <paramref name="accountId"/>, also a new account holding <paramref name="creditsMicro"/>.</summary>
    /// <param name="name">A label for the key (and the new account).</param>
    /// <param name="creditsMicro">Micro-credits: the new account's balance, or added to <paramref name="accountId"/>'s.</param>
    /// <param name="models">Endpoint names the key may call; null or empty: all.</param>
    /// <param name="accountId">An existing account to add the key to.</param>
    /// <param name="admin">An admin key may manage LoRA endpoints (<c>/admin/loras</c>).</param>
    public CreatedApiKey CreateKey(string name, long creditsMicro, IReadOnlyList<string>? models, long? accountId = null, bool admin = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(creditsMicro);
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var (id, key, hash) = ApiKeySecret.Create();
        string? modelList = models is { Count: > 0 } ? string.Join(',', models) : null;
        return _database.Sqlite.Write(c =>
        {
            long account;
            string secret;
            if (accountId is long existing)
            {
                var s = c.Prepare("SELECT webhook_secret FROM accounts WHERE id = @id").Bind("@id", existing);
                try
                {
                    secret = s.Step() ? s.GetRequiredText(0) : throw new ArgumentException($"No account {existing}.", nameof(accountId));
                }
                finally
                {
                    s.Reset();
                }

                account = existing;
                CreditLedger.Credit(c, account, creditsMicro);
            }
            else
            {
                secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                c.Prepare("INSERT INTO accounts (name, credits, webhook_secret, created_at) VALUES (@name, @credits, @secret, @now)")
                    .Bind("@name", name).Bind("@credits", creditsMicro).Bind("@secret", secret).Bind("@now", now).Execute();
                account = c.ScalarInt64("SELECT last_insert_rowid()");
            }

            c.Prepare("INSERT INTO api_keys (id, account_id, secret_hash, name, models, created_at, admin) VALUES (@id, @account, @hash, @name, @models, @now, @admin)")
                .Bind("@id", id).Bind("@account", account).Bind("@hash", hash).Bind("@name", name).Bind("@models", modelList)
                .Bind("@now", now).Bind("@admin", admin).Execute();
            var info = new ApiKeyInfo(id, account, name, CreditLedger.Balance(c, account), models, now, null, admin);
            return new CreatedApiKey(key, info, secret);
        });
    }

    public IReadOnlyList<ApiKeyInfo> ListKeys() => _database.Sqlite.Read(static c =>
    {
        var s = c.Prepare("""
            SELECT k.id, k.account_id, k.name, a.credits, k.models, k.created_at, k.revoked_at, k.admin
            FROM api_keys k JOIN accounts a ON a.id = k.account_id ORDER BY k.created_at, k.id
            """);
        var list = new List<ApiKeyInfo>();
        try
        {
            while (s.Step())
            {
                string? models = s.GetText(4);
                list.Add(new ApiKeyInfo(s.GetRequiredText(0), s.GetInt64(1), s.GetRequiredText(2), s.GetInt64(3),
                    models?.Split(','), s.GetInt64(5), s.GetNullableInt64(6), s.GetInt64(7) != 0));
            }
        }
        finally
        {
            s.Reset();
        }

        return list;
    });

    /// <summary>Adds credits to the account of key <paramref name="keyId"/>; returns the new balance, or null for an unknown key.</summary>
    public long? AddCredits(string keyId, long micro)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(micro);
        return _database.Sqlite.Write(c =>
        {
            long? account = AccountOfKey(c, keyId);
            if (account is not long id)
            {
                return (long?)null;
            }

            CreditLedger.Credit(c, id, micro);
            return CreditLedger.Balance(c, id);
        });
    }

    public bool RevokeKey(string keyId)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        bool done = _database.Sqlite.Write(c => c.Prepare("UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL")
            .Bind("@now", now).Bind("@id", keyId).Execute() == 1);
        _keys.TryRemove(keyId, out _);
        return done;
    }

    /// <summary>Whether account <paramref name="accountId"/> exists.</summary>
    public bool AccountExists(long accountId) => _database.Sqlite.Read(accountId, static (c, id) =>
    {
        var s = c.Prepare("SELECT 1 FROM accounts WHERE id = @id").Bind("@id", id);
        try
        {
            return s.Step();
        }
        finally
        {
            s.Reset();
        }
    });

    /// <summary>Every account's id, ascending.</summary>
    public IReadOnlyList<long> ListAccountIds() => _database.Sqlite.Read(static c =>
    {
        var s = c.Prepare("SELECT id FROM accounts ORDER BY id");
        var ids = new List<long>();
        try
        {
            while (s.Step())
            {
                ids.Add(s.GetInt64(0));
            }
        }
        finally
        {
            s.Reset();
        }

        return ids;
    });

    /// <summary>The account key <paramref name="keyId"/> belongs to (revoked or not), or null for an unknown key.</summary>
    public long? AccountOfKey(string keyId) => _database.Sqlite.Read(keyId, static (c, id) => AccountOfKey(c, id));

    public long Balance(long accountId) => _database.Sqlite.Read(accountId, static (c, id) => CreditLedger.Balance(c, id));

    public string WebhookSecret(long accountId) => _database.Sqlite.Read(accountId, static (c, id) =>
    {
        var s = c.Prepare("SELECT webhook_secret FROM accounts WHERE id = @id").Bind("@id", id);
        try
        {
            return s.Step() ? s.GetRequiredText(0) : "";
        }
        finally
        {
            s.Reset();
        }
    });

    /// <summary>The caller a presented key belongs to, or null for a missing, malformed, unknown or revoked key.</summary>
    public Caller? Authenticate(string? presentedKey)
    {
        if (!ApiKeySecret.TryParse(presentedKey, out string id, out string secret))
        {
            return null;
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!_keys.TryGetValue(id, out var cached) || now - cached.FetchedAt > KeyCacheLifetime.TotalMilliseconds)
        {
            cached = _database.Sqlite.Read(id, static (c, keyId) =>
            {
                var s = c.Prepare("SELECT secret_hash, account_id, models, revoked_at, admin FROM api_keys WHERE id = @id").Bind("@id", keyId);
                try
                {
                    if (!s.Step())
                    {
                        return null;
                    }

                    string? models = s.GetText(2);
                    var caller = new Caller(keyId, s.GetInt64(1), models?.Split(',')) { IsAdmin = s.GetInt64(4) != 0 };
                    return new CachedKey(s.GetBlob(0) ?? [], caller, s.IsNull(3) ? 0 : 1, 0);
                }
                finally
                {
                    s.Reset();
                }
            });
            if (cached is null)
            {
                return null;
            }

            cached = cached with { FetchedAt = now };
            _keys[id] = cached;
        }

        return cached.Revoked == 0 && ApiKeySecret.Matches(secret, cached.SecretHash) ? cached.Caller : null;
    }

    private static long? AccountOfKey(SqliteConnection c, string keyId)
    {
        var s = c.Prepare("SELECT account_id FROM api_keys WHERE id = @id").Bind("@id", keyId);
        try
        {
            return s.Step() ? s.GetInt64(0) : null;
        }
        finally
        {
            s.Reset();
        }
    }

    private sealed record CachedKey(byte[] SecretHash, Caller Caller, int Revoked, long FetchedAt);
}
