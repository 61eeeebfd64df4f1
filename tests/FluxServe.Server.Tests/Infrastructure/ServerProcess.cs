using System.Diagnostics;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>A server in a child process (<see cref="TestServerHost"/>), so a test can kill it with SIGKILL.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static Task<ServerProcess> StartAsync(string dataFolder, int stepDelayMilliseconds, params string[] settings) =>
        StartAsync(dataFolder, stepDelayMilliseconds, new Dictionary<string, string>(), settings);

    public static async Task<ServerProcess> StartAsync(string dataFolder, int stepDelayMilliseconds, IReadOnlyDictionary<string, string> environment, params string[] settings)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (string arg in (string[])[typeof(TestServerHost).Assembly.Location, "serve-test-host", "--step-delay-ms",
            stepDelayMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--urls", "http://127.0.0.1:0",
            "--Storage:DataFolder", dataFolder, "--Logging:LogLevel:Default", "Warning", .. settings])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server process");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                return new ServerProcess(process, new Uri(line["listening ".Length..]));
            }
        }

        throw new InvalidOperationException($"the server process exited ({process.ExitCode}) before listening");
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("x-api-key", key);
        return http;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }
}
