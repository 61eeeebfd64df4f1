using System.Runtime.InteropServices;
using System.Text;

namespace FluxServe.Server.Storage.Sqlite;

/// <summary>One connection to a SQLite database file, with a cache of its prepared statements.</summary>
/// <remarks>Used by one caller at a time (opened with <c>SQLITE_OPEN_NOMUTEX</c>); <see cref="SqliteDatabase"/> pools them.</remarks>
internal sealed class SqliteConnection : IDisposable
{
    private readonly SqliteDatabaseHandle _handle;
    private readonly IntPtr _db;
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);

    private SqliteConnection(SqliteDatabaseHandle handle)
    {
        _handle = handle;
        _db = handle.DangerousGetHandle();
    }

    public int Changes => SqliteNative.Changes(_db);

    public static SqliteConnection Open(string path, TimeSpan busyTimeout)
    {
        int rc = SqliteNative.Open(path, out IntPtr db, SqliteNative.OpenReadWrite | SqliteNative.OpenCreate | SqliteNative.OpenNoMutex, IntPtr.Zero);
        var handle = SqliteDatabaseHandle.FromPointer(db);
        var connection = new SqliteConnection(handle);
        if (rc != SqliteNative.Ok)
        {
            var error = connection.Error(rc, $"open {path}");
            connection.Dispose();
            throw error;
        }

        _ = SqliteNative.ExtendedResultCodes(db, 1);
        _ = SqliteNative.BusyTimeout(db, (int)busyTimeout.TotalMilliseconds);
        return connection;
    }

    /// <summary>The cached prepared statement for <paramref name="sql"/>, reset and ready to bind.</summary>
    public SqliteStatement Prepare(string sql)
    {
        if (_statements.TryGetValue(sql, out var cached))
        {
            cached.Reset();
            return cached;
        }

        var statement = PrepareOne(sql, out _) ?? throw new SqliteException($"No statement in: {sql}");
        _statements[sql] = statement;
        return statement;
    }

    /// <summary>Runs a script of one or more statements without parameters (schema, pragmas, transaction control).</summary>
    public void Execute(string script)
    {
        string rest = script;
        while (!string.IsNullOrWhiteSpace(rest))
        {
            using var statement = PrepareOne(rest, out int consumedChars);
            statement?.Execute();
            rest = rest[consumedChars..];
        }
    }

    public long ScalarInt64(string sql)
    {
        var statement = Prepare(sql);
        try
        {
            return statement.Step() ? statement.GetInt64(0) : throw new SqliteException($"No row from: {sql}");
        }
        finally
        {
            statement.Reset();
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
        _handle.Dispose();
    }

    internal SqliteException Error(int rc, string what)
    {
        IntPtr message = _db != IntPtr.Zero ? SqliteNative.ErrorMessage(_db) : SqliteNative.ErrorString(rc);
        return new SqliteException($"SQLite {what} failed ({rc}): {Marshal.PtrToStringUTF8(message)}", rc);
    }

    private unsafe SqliteStatement? PrepareOne(string sql, out int consumedChars)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(sql);
        fixed (byte* p = utf8)
        {
            int rc = SqliteNative.Prepare(_db, p, utf8.Length, out IntPtr statement, out IntPtr tail);
            if (rc != SqliteNative.Ok)
            {
                throw Error(rc, "prepare");
            }

            int consumedBytes = tail == IntPtr.Zero ? utf8.Length : (int)((byte*)tail - p);
            consumedChars = Encoding.UTF8.GetCharCount(utf8, 0, consumedBytes);
            if (statement == IntPtr.Zero)
            {
                // Only whitespace or a comment was left.
                consumedChars = sql.Length;
                return null;
            }

            return new SqliteStatement(this, SqliteStatementHandle.FromPointer(statement));
        }
    }
}
