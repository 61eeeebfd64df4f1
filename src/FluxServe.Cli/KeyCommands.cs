using System.Globalization;
using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using FluxServe.Server.Storage;
using Microsoft.Extensions.Configuration;

namespace FluxServe.Cli;

/// <summary><c>fluxserve keys create|list|revoke</c> and <c>fluxserve credits add</c>, on the server's database file.</summary>
/// <remarks>Safe while the server runs: SQLite in WAL mode, and the server re-reads keys and balances.</remarks>
internal static class KeyCommands
{
    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        string verb = args.Length == 0 ? "" : args[0];
        bool admin = args.Skip(1).Contains("--admin", StringComparer.Ordinal); // a flag without a value
        var options = CommandOptions.Parse(args.Skip(1).Where(a => a != "--admin").ToList(), new HashSet<string>(StringComparer.Ordinal) { "credits", "name", "models", "account" });
        using var database = OpenDatabase(options);
        var accounts = new AccountStore(database, TimeProvider.System);
        switch (verb)
        {
            case "create":
                return Create(accounts, options, admin, output);
            case "list":
                List(accounts, output);
                return 0;
            case "revoke":
                if (options.Positional.Count != 1)
                {
                    throw new CommandLineException("keys revoke takes one key id.");
                }

                if (!accounts.RevokeKey(options.Positional[0]))
                {
                    errors.WriteLine($"fluxserve: no active key {options.Positional[0]}.");
                    return 1;
                }

                output.WriteLine($"revoked {options.Positional[0]}");
                return 0;
            default:
                throw new CommandLineException("keys needs create, list or revoke.");
        }
    }

    public static int RunCredits(string[] args, TextWriter output, TextWriter errors)
    {
        if (args.Length == 0 || args[0] != "add")
        {
            throw new CommandLineException("credits needs add.");
        }

        var options = CommandOptions.Parse(args.Skip(1).ToList(), new HashSet<string>(StringComparer.Ordinal) { "credits", "key" });
        string key = options.Get("key") ?? (options.Positional.Count > 0 ? options.Positional[0] : throw new CommandLineException("credits add needs --key KEY_ID."));
        long micro = ParseCredits(options.Get("credits") ?? (options.Positional.Count > 1 ? options.Positional[1] : null));
        if (ApiKeySecret.TryParse(key, out string id, out _))
        {
            key = id; // a full key was given: use its id, never store or print the secret
        }

        using var database = OpenDatabase(options);
        long? balance = new AccountStore(database, TimeProvider.System).AddCredits(key, micro);
        if (balance is null)
        {
            errors.WriteLine($"fluxserve: no key {key}.");
            return 1;
        }

        output.WriteLine($"key {key}: balance {Credits.Format(balance.Value)} credits");
        return 0;
    }

    private static int Create(AccountStore accounts, CommandOptions options, bool admin, TextWriter output)
    {
        long micro = ParseCredits(options.Get("credits"));
        string name = options.Get("name") ?? "default";
        var models = options.Get("models")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        long? account = options.Get("account") is string a
            ? long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : throw new CommandLineException("--account takes an account number.")
            : null;
        var created = accounts.CreateKey(name, micro, models, account, admin);
        output.WriteLine($"api key:        {created.Key}");
        output.WriteLine($"key id:         {created.Info.Id}");
        output.WriteLine($"account:        {created.Info.AccountId}");
        output.WriteLine($"credits:        {Credits.Format(created.Info.CreditsMicro)}");
        output.WriteLine($"models:         {(created.Info.Models is null ? "all" : string.Join(',', created.Info.Models))}");
        output.WriteLine($"admin:          {(created.Info.IsAdmin ? "yes (may manage LoRA endpoints)" : "no")}");
        output.WriteLine($"webhook secret: {created.WebhookSecret}");
        output.WriteLine("The key is shown once; only its hash is stored.");
        return 0;
    }

    private static void List(AccountStore accounts, TextWriter output)
    {
        output.WriteLine($"{"key id",-14}{"account",8}  {"credits",14}  {"created (UTC)",-20}{"state",-9}{"admin",-7}{"name",-16}models");
        foreach (var key in accounts.ListKeys())
        {
            string created = DateTimeOffset.FromUnixTimeMilliseconds(key.CreatedAt).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            output.WriteLine($"{key.Id,-14}{key.AccountId,8}  {Credits.Format(key.CreditsMicro),14}  {created,-20}{(key.RevokedAt is null ? "active" : "revoked"),-9}{(key.IsAdmin ? "admin" : "-"),-7}{key.Name,-16}{(key.Models is null ? "all" : string.Join(',', key.Models))}");
        }
    }

    private static long ParseCredits(string? text)
    {
        if (text is null)
        {
            throw new CommandLineException("--credits N is required.");
        }

        return Credits.TryParse(text, out long micro) ? micro : throw new CommandLineException($"--credits takes a non-negative number, not '{text}'.");
    }

    private static ServerDatabase OpenDatabase(CommandOptions options)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables(prefix: "FLUXSERVE__")
            .AddCommandLine([.. options.ConfigurationArgs])
            .Build();
        var storage = new StorageOptions();
        configuration.GetSection("Storage").Bind(storage);
        return ServerDatabase.Open(storage.DataFolder, storage.BusyTimeout);
    }
}
