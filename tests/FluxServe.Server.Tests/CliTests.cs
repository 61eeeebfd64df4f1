using System.Net;
using FluxServe.Cli;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary><c>fluxserve keys create|list|revoke</c> and <c>credits add</c> against the database a running server uses.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Keys_created_on_the_command_line_work_on_the_running_server()
    {
        await using var server = await TestServer.StartAsync();
        string[] data = ["--data", server.DataFolder];
        var (code, output) = Run(o => KeyCommands.Run(["create", "--credits", "0.003", "--name", "alice", .. data], o, TextWriter.Null));
        Assert.Equal(0, code);
        string key = output.Split('\n').Single(l => l.StartsWith("api key:", StringComparison.Ordinal))["api key:".Length..].Trim();
        string id = output.Split('\n').Single(l => l.StartsWith("key id:", StringComparison.Ordinal))["key id:".Length..].Trim();

        using var http = server.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotAcceptable, (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""))).StatusCode);

        (code, output) = Run(o => KeyCommands.RunCredits(["add", "--key", id, "--credits", "1", .. data], o, TextWriter.Null));
        Assert.Equal(0, code);
        Assert.Contains("balance 1 credits", output, StringComparison.Ordinal);
        using var paid = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal("0.997", paid.Headers.GetValues("x-remaining-credits").Single());

        (code, output) = Run(o => KeyCommands.Run(["list", .. data], o, TextWriter.Null));
        Assert.Equal(0, code);
        string row = output.Split('\n').Single(l => l.StartsWith(id, StringComparison.Ordinal));
        Assert.Contains("0.997", row, StringComparison.Ordinal);
        Assert.Contains("alice", row, StringComparison.Ordinal);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);

        (code, _) = Run(o => KeyCommands.Run(["revoke", id, .. data], o, TextWriter.Null));
        Assert.Equal(0, code);
        // The server remembers a valid key for at most 10 s; a revoked one is refused after that.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            await Task.Delay(250);
            status = (await http.GetAsync("/v2/requests/x/status")).StatusCode;
        }
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public void Bad_command_lines_say_why()
    {
        Assert.Throws<CommandLineException>(() => KeyCommands.Run(["create", "--data", TemporaryFolder.Create()], TextWriter.Null, TextWriter.Null));
        Assert.Throws<CommandLineException>(() => KeyCommands.Run(["create", "--credits", "-3", "--data", TemporaryFolder.Create()], TextWriter.Null, TextWriter.Null));
        Assert.Throws<CommandLineException>(() => KeyCommands.RunCredits(["remove"], TextWriter.Null, TextWriter.Null));
    }

    private static (int Code, string Output) Run(Func<TextWriter, int> command)
    {
        using var output = new StringWriter();
        int code = command(output);
        return (code, output.ToString());
    }
}
