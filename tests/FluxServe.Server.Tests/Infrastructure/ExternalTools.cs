using System.Diagnostics;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>The seed pages' own clients: a Python with <c>requests</c> (Debian python3-requests) and Node with npm (for axios).</summary>
internal static class ExternalTools
{
    private static readonly Lazy<string?> PythonWithRequests = new(() =>
        ((string[])["/usr/bin/python3", "python3"]).FirstOrDefault(p => Run(p, ["-c", "import requests"], null, TimeSpan.FromSeconds(30)).ExitCode == 0));

    private static readonly Lazy<bool> NodeAndNpm = new(() =>
        Run("node", ["--version"], null, TimeSpan.FromSeconds(30)).ExitCode == 0 && Run("npm", ["--version"], null, TimeSpan.FromSeconds(60)).ExitCode == 0);

    public static string? Python => PythonWithRequests.Value;

    public static bool HasNode => NodeAndNpm.Value;

    /// <summary>Runs a program; exit code -1 when it cannot be started.</summary>
    public static (int ExitCode, string Output, string Error) Run(string program, IEnumerable<string> args, string? workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, output.Result, "timed out: " + error.Result);
            }

            return (process.ExitCode, output.Result, error.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "", $"{program} is not installed");
        }
    }
}
