using FluxServe.Server.Storage.Sqlite;

namespace FluxServe.Server.Storage;

/// <summary>The server's SQLite file (<c>fluxserve.db</c>): accounts, API keys, jobs and outputs, with schema versions.</summary>
/// <remarks>
/// The schema version is SQLite's <c>PRAGMA user_version</c>; <see cref="Migrations"/>[i] moves version i to i + 1 in
/// one transaction. A file newer than this build is refused rather than misread.
/// </remarks>
public sealed class ServerDatabase : IDisposable
{
    /// <summary>Schema scripts; append only, never edit a released one.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            credits INTEGER NOT NULL CHECK (credits >= 0),
            webhook_secret TEXT NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            secret_hash BLOB NOT NULL,
            name TEXT NOT NULL,
            models TEXT,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER);
        CREATE TABLE jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            key_id TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            model TEXT NOT NULL,
            parameters TEXT NOT NULL,
            state TEXT NOT NULL,
            cost INTEGER NOT NULL,
            refunded INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            sync INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            expires_at INTEGER,
            error TEXT,
            result TEXT,
            idempotency_key TEXT,
            request_hash BLOB,
            base_url TEXT NOT NULL,
            webhook_url TEXT,
            webhook_state TEXT,
            webhook_attempts INTEGER NOT NULL DEFAULT 0,
            UNIQUE (key_id, idempotency_key));
        CREATE INDEX jobs_by_state ON jobs(state, seq);
        CREATE INDEX jobs_by_expiry ON jobs(expires_at) WHERE expires_at IS NOT NULL;
        CREATE INDEX jobs_by_webhook ON jobs(webhook_state) WHERE webhook_state = 'pending';
        CREATE TABLE outputs (
            token TEXT PRIMARY KEY,
            job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            format TEXT NOT NULL,
            file TEXT NOT NULL);
        CREATE INDEX outputs_by_job ON outputs(job_id);
        """,
        """
        CREATE TABLE loras (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            file TEXT NOT NULL,
            trigger TEXT,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            summary TEXT,
            created_at INTEGER NOT NULL,
            removed_at INTEGER);
        CREATE INDEX loras_by_account ON loras(account_id) WHERE removed_at IS NULL;
        ALTER TABLE api_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    private readonly SqliteDatabase _database;

    private ServerDatabase(SqliteDatabase database, string dataFolder)
    {
        _database = database;
        DataFolder = dataFolder;
    }

    /// <summary>The schema version this build writes.</summary>
    public static int SchemaVersion => Migrations.Length;

    public string DataFolder { get; }

    public string OutputsFolder => System.IO.Path.Combine(DataFolder, "outputs");

    internal SqliteDatabase Sqlite => _database;

    /// <summary>Opens (creating when absent) <c>fluxserve.db</c> in <paramref name="dataFolder"/> and brings its schema up to date.</summary>
    public static ServerDatabase Open(string dataFolder, TimeSpan busyTimeout)
    {
        string folder = System.IO.Path.GetFullPath(dataFolder);
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(System.IO.Path.Combine(folder, "outputs"));
        var database = new SqliteDatabase(System.IO.Path.Combine(folder, "fluxserve.db"), busyTimeout);
        try
        {
            Migrate(database);
        }
        catch
        {
            database.Dispose();
            throw;
        }

        return new ServerDatabase(database, folder);
    }

    public void Dispose() => _database.Dispose();

    private static void Migrate(SqliteDatabase database)
    {
        database.Write(static connection =>
        {
            long version = connection.ScalarInt64("PRAGMA user_version");
            if (version > Migrations.Length)
            {
                throw new InvalidOperationException(
                    $"The database has schema version {version}; this build knows up to {Migrations.Length}. Use a newer fluxserve.");
            }

            for (long v = version; v < Migrations.Length; v++)
            {
                connection.Execute(Migrations[v]);
            }

            // user_version cannot take a bound parameter.
            connection.Execute($"PRAGMA user_version = {Migrations.Length}");
            return 0;
        });
    }
}
