using System.Runtime.InteropServices;

namespace FluxServe.Server.Storage.Sqlite;

/// <summary>The few entry points of the system SQLite library (<c>libsqlite3.so.0</c>, Debian <c>libsqlite3-0</c>) the job store uses.</summary>
/// <remarks>Strings cross as UTF-8; text binds use <c>SQLITE_TRANSIENT</c> so SQLite copies them before the call returns.</remarks>
internal static partial class SqliteNative
{
    private const string Library = "libsqlite3.so.0";

    public const int Ok = 0;
    public const int Busy = 5;
    public const int Constraint = 19;
    public const int Row = 100;
    public const int Done = 101;

    public const int OpenReadWrite = 0x2;
    public const int OpenCreate = 0x4;
    public const int OpenNoMutex = 0x8000;

    public const int TypeInteger = 1;
    public const int TypeFloat = 2;
    public const int TypeText = 3;
    public const int TypeBlob = 4;
    public const int TypeNull = 5;

    /// <summary><c>SQLITE_TRANSIENT</c>: SQLite makes its own copy of bound text and blobs.</summary>
    public static readonly IntPtr Transient = new(-1);

    [LibraryImport(Library, EntryPoint = "sqlite3_open_v2", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string fileName, out IntPtr db, int flags, IntPtr vfs);

    [LibraryImport(Library, EntryPoint = "sqlite3_close_v2")]
    public static partial int Close(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_errmsg")]
    public static partial IntPtr ErrorMessage(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_errstr")]
    public static partial IntPtr ErrorString(int code);

    [LibraryImport(Library, EntryPoint = "sqlite3_busy_timeout")]
    public static partial int BusyTimeout(IntPtr db, int milliseconds);

    [LibraryImport(Library, EntryPoint = "sqlite3_extended_result_codes")]
    public static partial int ExtendedResultCodes(IntPtr db, int on);

    [LibraryImport(Library, EntryPoint = "sqlite3_prepare_v2")]
    public static unsafe partial int Prepare(IntPtr db, byte* sql, int length, out IntPtr statement, out IntPtr tail);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    public static partial int Reset(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_clear_bindings")]
    public static partial int ClearBindings(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_finalize")]
    public static partial int Finalize(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_parameter_index", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int BindParameterIndex(IntPtr statement, string name);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    public static partial int BindInt64(IntPtr statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_double")]
    public static partial int BindDouble(IntPtr statement, int index, double value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    public static unsafe partial int BindText(IntPtr statement, int index, byte* utf8, int length, IntPtr destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_blob")]
    public static unsafe partial int BindBlob(IntPtr statement, int index, byte* data, int length, IntPtr destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    public static partial int BindNull(IntPtr statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_count")]
    public static partial int ColumnCount(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    public static partial int ColumnType(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    public static partial long ColumnInt64(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_double")]
    public static partial double ColumnDouble(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_text")]
    public static partial IntPtr ColumnText(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    public static partial IntPtr ColumnBlob(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    public static partial int ColumnBytes(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_changes")]
    public static partial int Changes(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_libversion")]
    public static partial IntPtr LibraryVersion();
}
