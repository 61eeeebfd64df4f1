using System.Globalization;
using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using FluxServe.Server.Loras;
using FluxServe.Server.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FluxServe.Cli;

/// <summary><c>fluxserve lora add|list|remove</c>: LoRA endpoints (<c>{uuid}-{name}</c>) on the server's database and data folder.</summary>
/// <remarks>Safe while the server runs: SQLite in WAL mode, and the server reads the LoRA table on every lookup.</remarks>
internal static class LoraCommands
{
    public const string Usage = """
          lora add --name NAME --file PATH             register a FLUX.1-dev LoRA as endpoint {uuid}-NAME (the file is copied
                   [--trigger WORD]                    into the data folder and checked against the installed flux-dev)
                   [--account ID | --key KEY_ID]       owner: an account, or the account of a key (default: the only account)
          lora list [--account ID]                     list LoRA endpoints
          lora remove ENDPOINT                         remove a LoRA endpoint and delete its file
        """;

    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        string verb = args.Length == 0 ? "" : args[0];
        var options = CommandOptions.Parse(args.Skip(1).ToList(), new HashSet<string>(StringComparer.Ordinal) { "name", "file", "trigger", "account", "key" });
        if (verb is not ("add" or "list" or "remove"))
        {
            throw new CommandLineException("lora needs add, list or remove.");
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables(prefix: "FLUXSERVE__")
            .AddCommandLine([.. options.ConfigurationArgs])
            .Build();
        var storage = new StorageOptions();
        configuration.GetSection("Storage").Bind(storage);
        var models = new ModelsOptions();
        configuration.GetSection("Models").Bind(models);
        using var database = ServerDatabase.Open(storage.DataFolder, storage.BusyTimeout);
        var store = new LoraStore(database, Options.Create(models), TimeProvider.System);
        var accounts = new AccountStore(database, TimeProvider.System);
        try
        {
            switch (verb)
            {
                case "add":
                    return Add(store, accounts, options, output);
                case "list":
                    List(store, options, output);
                    return 0;
                default:
                    return Remove(store, options, output, errors);
            }
        }
        catch (Exception refused) when (refused is LoraRegistrationException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // A refusal (with the loader's list of bad keys), an unreadable file or an unreadable installed model: no stack trace.
            errors.WriteLine($"fluxserve: {refused.Message}");
            return 1;
        }
    }

    private static int Add(LoraStore store, AccountStore accounts, CommandOptions options, TextWriter output)
    {
        string name = options.Get("name") ?? throw new CommandLineException("lora add needs --name NAME.");
        string file = options.Get("file") ?? throw new CommandLineException("lora add needs --file PATH (a .safetensors LoRA).");
        if (!File.Exists(file))
        {
            throw new CommandLineException($"--file {file}: no such file.");
        }

        long account = Owner(accounts, options);
        var record = store.Register(name, file, account, options.Get("trigger"), CancellationToken.None);
        output.WriteLine($"endpoint: {record.EndpointName}");
        output.WriteLine($"owner:    account {record.AccountId.ToString(CultureInfo.InvariantCulture)}");
        output.WriteLine($"trigger:  {record.Trigger ?? "(none)"}");
        output.WriteLine($"sha256:   {record.Sha256}");
        output.WriteLine($"bytes:    {record.Bytes.ToString(CultureInfo.InvariantCulture)}");
        output.WriteLine($"summary:  {record.Summary}");
        return 0;
    }

    /// <summary>The owner: --account, the account of --key, or the only account there is.</summary>
    private static long Owner(AccountStore accounts, CommandOptions options)
    {
        string? account = options.Get("account");
        string? key = options.Get("key");
        if (account is not null && key is not null)
        {
            throw new CommandLineException("give either --account ID or --key KEY_ID, not both.");
        }

        if (account is not null)
        {
            long id = ParseAccount(account);
            return accounts.AccountExists(id) ? id : throw new CommandLineException($"no account {account}.");
        }

        if (key is not null)
        {
            if (ApiKeySecret.TryParse(key, out string keyId, out _))
            {
                key = keyId; // a full key was given: use its id, never print the secret
            }

            return accounts.AccountOfKey(key) ?? throw new CommandLineException($"no key {key}.");
        }

        var all = accounts.ListAccountIds();
        return all.Count switch
        {
            1 => all[0],
            0 => throw new CommandLineException("there is no account yet: create one with 'fluxserve keys create', then add the LoRA."),
            _ => throw new CommandLineException($"{all.Count} accounts exist: say which one owns the LoRA with --account ID (or --key KEY_ID)."),
        };
    }

    private static void List(LoraStore store, CommandOptions options, TextWriter output)
    {
        long? account = options.Get("account") is string a ? ParseAccount(a) : null;
        output.WriteLine($"{"endpoint",-58}{"account",8}  {"bytes",12}  {"created (UTC)",-20}trigger");
        foreach (var lora in store.List(account))
        {
            string created = lora.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            output.WriteLine($"{lora.EndpointName,-58}{lora.AccountId,8}  {lora.Bytes,12}  {created,-20}{lora.Trigger}");
        }
    }

    private static int Remove(LoraStore store, CommandOptions options, TextWriter output, TextWriter errors)
    {
        if (options.Positional.Count != 1)
        {
            throw new CommandLineException("lora remove takes one endpoint name ({uuid}-{name}).");
        }

        string endpoint = options.Positional[0];
        if (!store.Remove(endpoint))
        {
            errors.WriteLine($"fluxserve: no LoRA endpoint {endpoint}.");
            return 1;
        }

        output.WriteLine($"removed {endpoint}");
        return 0;
    }

    private static long ParseAccount(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : throw new CommandLineException("--account takes an account number.");
}
