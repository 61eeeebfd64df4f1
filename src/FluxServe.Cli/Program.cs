using FluxServe.Server;

namespace FluxServe.Cli;

/// <summary>The <c>fluxserve</c> command line.</summary>
internal static class Program
{
    private static readonly string Usage = $$"""
        usage: fluxserve <command> [options]

        commands:
          serve [--urls http://127.0.0.1:8080]         start the HTTP server
        {{GenerateCommand.Usage}}
          keys create --credits N [--name NAME]        create an API key on a new account holding N credits
                      [--models m1,m2] [--account ID]  (--models: endpoints the key may call; --account: add the key to an account;
                      [--admin]                         --admin: the key may manage LoRA endpoints over /admin/loras)
          keys list                                    list keys (id, account, credits, admin, models; never the secret)
          keys revoke KEY_ID                           revoke a key
          credits add --key KEY_ID --credits N         add N credits to the account of a key
        {{LoraCommands.Usage}}
          help                                         show this text

        Every command reads the server's configuration (appsettings.json, FLUXSERVE__* variables, --Section:Key value
        switches); --data DIR is short for --Storage:DataFolder DIR.
        """;

    private static async Task<int> Main(string[] args)
    {
        string command = args.Length == 0 ? "help" : args[0];
        try
        {
            switch (command)
            {
                case "serve":
                    await FluxServeApp.Build(args[1..]).RunAsync().ConfigureAwait(false);
                    return 0;
                case "generate":
                    return GenerateCommand.Run(args[1..], Console.Out, Console.Error);
                case "keys":
                    return KeyCommands.Run(args[1..], Console.Out, Console.Error);
                case "credits":
                    return KeyCommands.RunCredits(args[1..], Console.Out, Console.Error);
                case "lora":
                    return LoraCommands.Run(args[1..], Console.Out, Console.Error);
                case "help" or "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"fluxserve: unknown command '{command}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (CommandLineException error)
        {
            Console.Error.WriteLine($"fluxserve: {error.Message}");
            return 2;
        }
    }
}
