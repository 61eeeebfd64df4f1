using FluxServe.Server.Storage.Sqlite;

namespace FluxServe.Server.Accounts;

/// <summary>Debits and refunds inside the caller's write transaction, so a job and its payment commit together.</summary>
/// <remarks>
/// The debit is one conditional UPDATE (<c>credits &gt;= cost</c>) under SQLite's single writer, and the column has a
/// CHECK (credits &gt;= 0): concurrent submits can never overdraw an account.
/// </remarks>
internal static class CreditLedger
{
    public static bool TryDebit(SqliteConnection connection, long accountId, long micro)
    {
        return connection.Prepare("UPDATE accounts SET credits = credits - @cost WHERE id = @id AND credits >= @cost")
            .Bind("@cost", micro).Bind("@id", accountId).Execute() == 1;
    }

    public static void Credit(SqliteConnection connection, long accountId, long micro)
    {
        connection.Prepare("UPDATE accounts SET credits = credits + @amount WHERE id = @id")
            .Bind("@amount", micro).Bind("@id", accountId).Execute();
    }

    public static long Balance(SqliteConnection connection, long accountId)
    {
        var statement = connection.Prepare("SELECT credits FROM accounts WHERE id = @id").Bind("@id", accountId);
        try
        {
            return statement.Step() ? statement.GetInt64(0) : 0;
        }
        finally
        {
            statement.Reset();
        }
    }
}
