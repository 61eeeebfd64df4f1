using System.Text.Json;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>The hosted pages' own example code (Python requests, JavaScript axios), unchanged but for base URL and key.</summary>
public sealed class SeedExampleClientTests
{
    [PythonRequestsFact]
    public async Task Fast_flux_schnell_python_example_succeeds()
    {
        await using var server = await TestServer.StartAsync();
        string code = SeedExamples.Retarget(SeedExamples.Python("fast-flux-schnell.txt"), server.BaseAddress, server.CreateKey(1));
        // As printed, the page's listing stops at its own "base64": false (NameError); see JsonLiteralsForPython.
        var (brokenExit, _, brokenError) = RunPython(code);
        Assert.NotEqual(0, brokenExit);
        Assert.Contains("NameError: name 'false' is not defined", brokenError, StringComparison.Ordinal);

        var (exit, output, error) = RunPython(SeedExamples.JsonLiteralsForPython + code);
        Assert.True(exit == 0, error);
        Assert.DoesNotContain("Error:", output, StringComparison.Ordinal);
        using var printed = JsonDocument.Parse(output);
        Assert.Equal("COMPLETED", printed.RootElement.GetProperty("status").GetString());
        Assert.Equal(1184522UL, printed.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal(1, printed.RootElement.GetProperty("output").GetArrayLength());
    }

    [NodeFact]
    public async Task Flux_schnell_v1_axios_example_succeeds()
    {
        string folder = Path.Combine(Path.GetTempPath(), "fluxserve-axios");
        if (!File.Exists(Path.Combine(folder, "node_modules", "axios", "package.json")))
        {
            Directory.CreateDirectory(folder);
            var install = ExternalTools.Run("npm", ["install", "--prefix", folder, "--no-audit", "--no-fund", "--silent", "axios"], folder, TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, "npm install axios failed: " + install.Error);
        }

        await using var server = await TestServer.StartAsync();
        string key = server.CreateKey(1);
        string script = Path.Combine(folder, $"example-{Guid.NewGuid():N}.js");
        await File.WriteAllTextAsync(script, SeedExamples.Retarget(SeedExamples.JavaScript("flux-schnell-v1.txt"), server.BaseAddress, key));
        try
        {
            var (exit, output, error) = ExternalTools.Run("node", [script], folder, TimeSpan.FromMinutes(2));
            Assert.True(exit == 0, error);
            Assert.DoesNotContain("Error:", error, StringComparison.Ordinal);
            Assert.Contains("PNG", output, StringComparison.Ordinal); // the test generator's image, printed by console.log(response.data)
            Assert.Equal(0.997m, server.Balance(key));
        }
        finally
        {
            File.Delete(script);
        }
    }

    internal static (int ExitCode, string Output, string Error) RunPython(string code)
    {
        string script = Path.Combine(Path.GetTempPath(), $"fluxserve-example-{Guid.NewGuid():N}.py");
        File.WriteAllText(script, code);
        try
        {
            return ExternalTools.Run(ExternalTools.Python!, [script], null, TimeSpan.FromMinutes(2));
        }
        finally
        {
            File.Delete(script);
        }
    }
}
