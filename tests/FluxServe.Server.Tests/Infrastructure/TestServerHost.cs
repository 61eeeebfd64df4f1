using System.Globalization;
using FluxServe.Server.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>
/// The entry point of the test assembly: <c>dotnet FluxServe.Server.Tests.dll serve-test-host --step-delay-ms N
/// [server switches]</c> runs a real server with the <see cref="TestPatternGenerator"/>, as a child process the
/// crash test can kill -9.
/// </summary>
public static class TestServerHost
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != "serve-test-host")
        {
            await Console.Error.WriteLineAsync("usage: serve-test-host [--step-delay-ms N] [server switches]");
            return 2;
        }

        var rest = new List<string>();
        var delay = TimeSpan.Zero;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--step-delay-ms" && i + 1 < args.Length)
            {
                delay = TimeSpan.FromMilliseconds(int.Parse(args[++i], CultureInfo.InvariantCulture));
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        var generator = new TestPatternGenerator(stepDelay: delay);
        var app = FluxServeApp.Build([.. rest], services => services.AddSingleton<IImageGenerator>(generator));
        await app.StartAsync();
        // The parent reads the bound address from this line.
        await Console.Out.WriteLineAsync("listening " + app.Urls.First());
        await Console.Out.FlushAsync();
        await app.WaitForShutdownAsync();
        return 0;
    }
}
