using System.Text;
using FluxServe.Server.Accounts;
using FluxServe.Server.Storage;
using FluxServe.Server.Storage.Sqlite;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>The SQLite file: schema versions, hashed keys, the balance constraint.</summary>
public sealed class StoreTests : IDisposable
{
    private readonly string _folder = TemporaryFolder.Create();

    public void Dispose() => TemporaryFolder.Delete(_folder);

    [Fact]
    public void New_file_is_in_wal_mode_at_the_current_schema_version()
    {
        using var database = ServerDatabase.Open(_folder, TimeSpan.FromSeconds(1));
        Assert.Equal(ServerDatabase.SchemaVersion, database.Sqlite.Read(c => c.ScalarInt64("PRAGMA user_version")));
        Assert.Equal("wal", database.Sqlite.Read(c =>
        {
            var s = c.Prepare("PRAGMA journal_mode");
            try
            {
                return s.Step() ? s.GetText(0) : null;
            }
            finally
            {
                s.Reset();
            }
        }));
    }

    [Fact]
    public void Reopening_keeps_the_data_and_a_newer_schema_is_refused()
    {
        string key;
        using (var database = ServerDatabase.Open(_folder, TimeSpan.FromSeconds(1)))
        {
            key = new AccountStore(database, TimeProvider.System).CreateKey("k", 5_000_000, null).Key;
        }

        using (var database = ServerDatabase.Open(_folder, TimeSpan.FromSeconds(1)))
        {
            var caller = new AccountStore(database, TimeProvider.System).Authenticate(key);
            Assert.NotNull(caller);
            database.Sqlite.Write(c =>
            {
                c.Execute($"PRAGMA user_version = {ServerDatabase.SchemaVersion + 1}");
                return 0;
            });
        }

        var error = Assert.Throws<InvalidOperationException>(() => ServerDatabase.Open(_folder, TimeSpan.FromSeconds(1)));
        Assert.Contains("schema version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_stored_hashed_and_checked_secret_by_secret()
    {
        string key;
        using (var database = ServerDatabase.Open(_folder, TimeSpan.FromSeconds(1)))
        {
            var accounts = new AccountStore(database, TimeProvider.System);
            key = accounts.CreateKey("k", 0, null).Key;
            Assert.True(ApiKeySecret.TryParse(key, out string id, out string secret));
            Assert.NotNull(accounts.Authenticate(key));
            Assert.Null(accounts.Authenticate($"fs_{id}_{secret[..^1]}x"));
            Assert.Null(accounts.Authenticate(key + "x"));
            Assert.True(accounts.RevokeKey(id));
            Assert.Null(accounts.Authenticate(key));
            database.Sqlite.Read(c =>
            {
                c.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
                return 0;
            });
        }

        Assert.True(ApiKeySecret.TryParse(key, out _, out string storedSecret));
        byte[] file = File.ReadAllBytes(Path.Combine(_folder, "fluxserve.db"));
        Assert.Equal(-1, file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(storedSecret)));
        Assert.NotEqual(-1, file.AsSpan().IndexOf(ApiKeySecret.Hash(storedSecret)));
    }

    [Fact]
    public void The_balance_column_refuses_to_go_negative()
    {
        using var database = ServerDatabase.Open(_folder, TimeSpan.FromSeconds(1));
        var created = new AccountStore(database, TimeProvider.System).CreateKey("k", 10, null);
        var error = Assert.Throws<SqliteException>(() => database.Sqlite.Write(c =>
            c.Prepare("UPDATE accounts SET credits = credits - 11 WHERE id = @id").Bind("@id", created.Info.AccountId).Execute()));
        Assert.True(error.IsConstraintViolation);
        Assert.Equal(10, new AccountStore(database, TimeProvider.System).Balance(created.Info.AccountId));
    }

    [Theory]
    [InlineData("10", 10_000_000)]
    [InlineData("0.003", 3_000)]
    [InlineData("0.0000001", 1)]
    public void Credit_amounts_round_up_to_a_millionth(string text, long micro)
    {
        Assert.True(Credits.TryParse(text, out long parsed));
        Assert.Equal(micro, parsed);
        Assert.False(Credits.TryParse("-1", out _));
        Assert.Equal("9.997", Credits.Format(9_997_000));
    }
}
