using System.Collections.Concurrent;

namespace FluxServe.Server.Storage.Sqlite;

/// <summary>A SQLite database file in WAL mode: a pool of connections for reads and one in-process writer at a time.</summary>
/// <remarks>
/// WAL lets readers run beside the writer. Writers in this process queue on a lock instead of spinning in SQLite's busy
/// handler; another process (the <c>fluxserve keys</c> command) is waited for by the busy timeout. With
/// <c>synchronous=NORMAL</c> a committed transaction survives a killed process (it is in the WAL file); only a power
/// loss may drop the last commits.
/// </remarks>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly string _path;
    private readonly TimeSpan _busyTimeout;
    private readonly ConcurrentBag<SqliteConnection> _idle = [];
    private readonly Lock _writeLock = new();
    private bool _disposed;

    public SqliteDatabase(string path, TimeSpan busyTimeout)
    {
        _path = path;
        _busyTimeout = busyTimeout;
        var first = Open();
        _idle.Add(first);
    }

    public string Path => _path;

    public T Read<T>(Func<SqliteConnection, T> read)
    {
        var connection = Rent();
        try
        {
            return read(connection);
        }
        finally
        {
            Return(connection);
        }
    }

    public T Read<TState, T>(TState state, Func<SqliteConnection, TState, T> read)
    {
        var connection = Rent();
        try
        {
            return read(connection, state);
        }
        finally
        {
            Return(connection);
        }
    }

    /// <summary>Runs <paramref name="write"/> in one <c>BEGIN IMMEDIATE</c> transaction; an exception rolls it back.</summary>
    public T Write<TState, T>(TState state, Func<SqliteConnection, TState, T> write)
    {
        var connection = Rent();
        try
        {
            lock (_writeLock)
            {
                connection.Execute("BEGIN IMMEDIATE");
                T result;
                try
                {
                    result = write(connection, state);
                }
                catch
                {
                    connection.Execute("ROLLBACK");
                    throw;
                }

                connection.Execute("COMMIT");
                return result;
            }
        }
        finally
        {
            Return(connection);
        }
    }

    public T Write<T>(Func<SqliteConnection, T> write) => Write(write, static (c, w) => w(c));

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    private SqliteConnection Open()
    {
        var connection = SqliteConnection.Open(_path, _busyTimeout);
        connection.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        return connection;
    }

    private SqliteConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var connection) ? connection : Open();
    }

    private void Return(SqliteConnection connection)
    {
        // Keep a handful; beyond that close, so a burst does not leave many file handles open.
        if (_disposed || _idle.Count >= 16)
        {
            connection.Dispose();
        }
        else
        {
            _idle.Add(connection);
        }
    }
}
