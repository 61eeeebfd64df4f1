using FluxServe.Server;

namespace FluxServe.Cli;

/// <summary>The <c>fluxserve</c> command line.</summary>
internal static class Program
{
    private const string Usage = """
        usage: fluxserve <command> [options]

        commands:
          serve [--urls http://127.0.0.1:8080]   start the HTTP server
          help                                   show this text
        """;

    private static async Task<int> Main(string[] args)
    {
        string command = args.Length == 0 ? "help" : args[0];
        switch (command)
        {
            case "serve":
                await FluxServeApp.Build(args[1..]).RunAsync().ConfigureAwait(false);
                return 0;
            case "help" or "--help" or "-h":
                Console.Out.WriteLine(Usage);
                return 0;
            default:
                Console.Error.WriteLine($"fluxserve: unknown command '{command}'.");
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }
}
