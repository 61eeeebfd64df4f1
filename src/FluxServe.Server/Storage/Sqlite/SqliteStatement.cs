using System.Runtime.InteropServices;
using System.Text;

namespace FluxServe.Server.Storage.Sqlite;

/// <summary>A prepared statement of one <see cref="SqliteConnection"/>; reused after <see cref="Reset"/>.</summary>
/// <remarks>Not thread-safe: a statement belongs to the connection that a single caller holds at a time.</remarks>
internal sealed class SqliteStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteStatementHandle _handle;
    private readonly IntPtr _statement;

    internal SqliteStatement(SqliteConnection connection, SqliteStatementHandle handle)
    {
        _connection = connection;
        _handle = handle;
        _statement = handle.DangerousGetHandle();
    }

    public SqliteStatement Bind(string name, long value)
    {
        Check(SqliteNative.BindInt64(_statement, IndexOf(name), value));
        return this;
    }

    public SqliteStatement Bind(string name, long? value) => value is long v ? Bind(name, v) : BindNull(name);

    public SqliteStatement Bind(string name, double value)
    {
        Check(SqliteNative.BindDouble(_statement, IndexOf(name), value));
        return this;
    }

    public SqliteStatement Bind(string name, bool value) => Bind(name, value ? 1L : 0L);

    public unsafe SqliteStatement Bind(string name, string? value)
    {
        if (value is null)
        {
            return BindNull(name);
        }

        int index = IndexOf(name);
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> buffer = length <= 512 ? stackalloc byte[512] : new byte[length];
        Encoding.UTF8.GetBytes(value, buffer);
        fixed (byte* p = buffer)
        {
            Check(SqliteNative.BindText(_statement, index, p, length, SqliteNative.Transient));
        }

        return this;
    }

    public unsafe SqliteStatement Bind(string name, ReadOnlySpan<byte> blob)
    {
        int index = IndexOf(name);
        fixed (byte* p = blob)
        {
            // A zero-length span has a null pointer, which SQLite would store as NULL; point at a dummy byte instead.
            byte dummy = 0;
            Check(SqliteNative.BindBlob(_statement, index, blob.IsEmpty ? &dummy : p, blob.Length, SqliteNative.Transient));
        }

        return this;
    }

    public SqliteStatement Bind(string name, byte[]? blob) => blob is null ? BindNull(name) : Bind(name, (ReadOnlySpan<byte>)blob);

    public SqliteStatement BindNull(string name)
    {
        Check(SqliteNative.BindNull(_statement, IndexOf(name)));
        return this;
    }

    /// <summary>Advances to the next row; false when the statement is done.</summary>
    public bool Step()
    {
        int rc = SqliteNative.Step(_statement);
        return rc switch
        {
            SqliteNative.Row => true,
            SqliteNative.Done => false,
            _ => throw _connection.Error(rc, "step"),
        };
    }

    /// <summary>Runs the statement to completion and returns the number of rows it changed.</summary>
    public int Execute()
    {
        while (Step())
        {
        }

        return _connection.Changes;
    }

    public bool IsNull(int column) => SqliteNative.ColumnType(_statement, column) == SqliteNative.TypeNull;

    public long GetInt64(int column) => SqliteNative.ColumnInt64(_statement, column);

    public long? GetNullableInt64(int column) => IsNull(column) ? null : GetInt64(column);

    public double GetDouble(int column) => SqliteNative.ColumnDouble(_statement, column);

    public unsafe string? GetText(int column)
    {
        IntPtr p = SqliteNative.ColumnText(_statement, column);
        if (p == IntPtr.Zero)
        {
            return null;
        }

        int length = SqliteNative.ColumnBytes(_statement, column);
        return Encoding.UTF8.GetString((byte*)p, length);
    }

    public string GetRequiredText(int column) =>
        GetText(column) ?? throw new SqliteException($"Column {column} is NULL where text was expected.");

    public unsafe byte[]? GetBlob(int column)
    {
        IntPtr p = SqliteNative.ColumnBlob(_statement, column);
        int length = SqliteNative.ColumnBytes(_statement, column);
        if (p == IntPtr.Zero)
        {
            return IsNull(column) ? null : [];
        }

        return new ReadOnlySpan<byte>((void*)p, length).ToArray();
    }

    /// <summary>Resets the statement and clears its bindings so it can be reused.</summary>
    public void Reset()
    {
        _ = SqliteNative.Reset(_statement);
        _ = SqliteNative.ClearBindings(_statement);
    }

    public void Dispose() => _handle.Dispose();

    private int IndexOf(string name)
    {
        int index = SqliteNative.BindParameterIndex(_statement, name);
        return index > 0 ? index : throw new SqliteException($"The statement has no parameter {name}.");
    }

    private void Check(int rc)
    {
        if (rc != SqliteNative.Ok)
        {
            throw _connection.Error(rc, "bind");
        }
    }
}
