using FluxServe.Server.Accounts;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>Accounts and balances in credits, looked up by a full API key, for tests that assert what a call cost.</summary>
internal static class AccountBalances
{
    public static long AccountOfApiKey(this AccountStore accounts, string key)
    {
        Assert.True(ApiKeySecret.TryParse(key, out string id, out _));
        return accounts.AccountOfKey(id) ?? throw new InvalidOperationException($"No key {id}.");
    }

    public static decimal CreditsOfKey(this AccountStore accounts, string key) =>
        accounts.Balance(accounts.AccountOfApiKey(key)) / (decimal)Credits.MicroPerCredit;
}
