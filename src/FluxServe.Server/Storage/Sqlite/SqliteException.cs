namespace FluxServe.Server.Storage.Sqlite;

/// <summary>A SQLite call failed; <see cref="ResultCode"/> is SQLite's (primary or extended) result code.</summary>
public sealed class SqliteException : Exception
{
    public SqliteException()
    {
    }

    public SqliteException(string message)
        : base(message)
    {
    }

    public SqliteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SqliteException(string message, int resultCode)
        : base(message)
    {
        ResultCode = resultCode;
    }

    /// <summary>The SQLite result code (e.g. 19 for a constraint violation, possibly extended).</summary>
    public int ResultCode { get; }

    /// <summary>Whether the primary result code is <c>SQLITE_CONSTRAINT</c>.</summary>
    public bool IsConstraintViolation => (ResultCode & 0xFF) == SqliteNative.Constraint;
}
