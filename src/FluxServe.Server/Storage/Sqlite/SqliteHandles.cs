using System.Runtime.InteropServices;

namespace FluxServe.Server.Storage.Sqlite;

/// <summary>Owns a <c>sqlite3*</c>; closing uses <c>sqlite3_close_v2</c>, which waits for outstanding statements.</summary>
internal sealed class SqliteDatabaseHandle : SafeHandle
{
    public SqliteDatabaseHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public static SqliteDatabaseHandle FromPointer(IntPtr db)
    {
        var result = new SqliteDatabaseHandle();
        result.SetHandle(db);
        return result;
    }

    protected override bool ReleaseHandle() => SqliteNative.Close(handle) == SqliteNative.Ok;
}

/// <summary>Owns a <c>sqlite3_stmt*</c>.</summary>
internal sealed class SqliteStatementHandle : SafeHandle
{
    public SqliteStatementHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public static SqliteStatementHandle FromPointer(IntPtr statement)
    {
        var result = new SqliteStatementHandle();
        result.SetHandle(statement);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        _ = SqliteNative.Finalize(handle);
        return true;
    }
}
