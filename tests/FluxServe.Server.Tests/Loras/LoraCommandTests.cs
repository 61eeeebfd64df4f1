using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Cli;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests.Loras;

/// <summary><c>fluxserve lora add|list|remove</c> and <c>keys create --admin</c> against the database a running server uses.</summary>
public sealed class LoraCommandTests
{
    [Fact]
    public async Task A_lora_added_on_the_command_line_is_listed_and_served_by_the_running_server_then_removed()
    {
        await using var server = await LoraAdminEndpointTests.StartAsync();
        string[] config = ["--data", server.DataFolder, "--Models:Folders:0", LoraFiles.TinyDevModels];
        var (code, output) = Run(o => KeyCommands.Run(["create", "--credits", "1", "--name", "ops", "--admin", .. config], o, TextWriter.Null));
        Assert.Equal(0, code);
        string adminKey = Line(output, "api key:");
        string account = Line(output, "account:");
        Assert.Equal("yes (may manage LoRA endpoints)", Line(output, "admin:"));

        string work = TemporaryFolder.Create();
        string file = LoraFiles.KohyaSubset(work, "lora_unet_double_blocks_0_");
        (code, output) = Run(o => LoraCommands.Run(["add", "--name", "style", "--file", file, "--trigger", "ohwx", .. config], o, TextWriter.Null));
        Assert.Equal(0, code);
        string endpoint = Line(output, "endpoint:");
        Assert.Matches("^[0-9a-f-]{36}-style$", endpoint);
        Assert.Equal($"account {account}", Line(output, "owner:"));
        Assert.Equal(LoraFiles.Sha256(file), Line(output, "sha256:"));
        Assert.Equal("ohwx", Line(output, "trigger:"));
        Assert.Contains("10 transformer layers", Line(output, "summary:"), StringComparison.Ordinal); // double block 0: 10 Linears

        (code, output) = Run(o => LoraCommands.Run(["list", .. config], o, TextWriter.Null));
        Assert.Equal(0, code);
        string row = output.Split('\n').Single(l => l.StartsWith(endpoint, StringComparison.Ordinal));
        Assert.Contains(new FileInfo(file).Length.ToString(CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
        Assert.EndsWith("ohwx", row.TrimEnd(), StringComparison.Ordinal);

        // The running server sees the command line's registration without a restart, and the admin key made there works.
        using var http = server.Client(adminKey);
        var listed = await http.GetFromJsonAsync<JsonElement>("/admin/loras");
        Assert.Equal(endpoint, Assert.Single(listed.GetProperty("loras").EnumerateArray()).GetProperty("endpoint").GetString());

        (code, output) = Run(o => KeyCommands.Run(["list", .. config], o, TextWriter.Null));
        Assert.Contains(" admin ", output.Split('\n').Single(l => l.Contains("ops", StringComparison.Ordinal)), StringComparison.Ordinal);

        (code, output) = Run(o => LoraCommands.Run(["remove", endpoint, .. config], o, TextWriter.Null));
        Assert.Equal(0, code);
        Assert.Equal($"removed {endpoint}", output.Trim());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/admin/loras/{endpoint}")).StatusCode);
        Assert.Equal(1, LoraCommands.Run(["remove", endpoint, .. config], TextWriter.Null, TextWriter.Null));
        TemporaryFolder.Delete(work);
    }

    [Fact]
    public void The_owner_is_the_only_account_else_it_must_be_named()
    {
        string data = TemporaryFolder.Create();
        string[] config = ["--data", data, "--Models:Folders:0", LoraFiles.TinyDevModels];
        string lora = LoraFiles.Fixture("lora_bfl.safetensors");
        var none = Assert.Throws<CommandLineException>(() => LoraCommands.Run(["add", "--name", "a", "--file", lora, .. config], TextWriter.Null, TextWriter.Null));
        Assert.Contains("keys create", none.Message, StringComparison.Ordinal);

        var (_, first) = Run(o => KeyCommands.Run(["create", "--credits", "0", .. config], o, TextWriter.Null));
        var (code, output) = Run(o => LoraCommands.Run(["add", "--name", "a", "--file", lora, .. config], o, TextWriter.Null));
        Assert.Equal(0, code);
        Assert.Equal($"account {Line(first, "account:")}", Line(output, "owner:"));

        var (_, second) = Run(o => KeyCommands.Run(["create", "--credits", "0", .. config], o, TextWriter.Null));
        var two = Assert.Throws<CommandLineException>(() => LoraCommands.Run(["add", "--name", "b", "--file", lora, .. config], TextWriter.Null, TextWriter.Null));
        Assert.Contains("--account", two.Message, StringComparison.Ordinal);

        (code, output) = Run(o => LoraCommands.Run(["add", "--name", "b", "--file", lora, "--key", Line(second, "key id:"), .. config], o, TextWriter.Null));
        Assert.Equal(0, code);
        Assert.Equal($"account {Line(second, "account:")}", Line(output, "owner:"));
        (code, output) = Run(o => LoraCommands.Run(["add", "--name", "c", "--file", lora, "--account", Line(first, "account:"), .. config], o, TextWriter.Null));
        Assert.Equal(0, code);

        (_, output) = Run(o => LoraCommands.Run(["list", "--account", Line(first, "account:"), .. config], o, TextWriter.Null));
        Assert.Equal(["a", "c"], output.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(' ')[0][37..]));

        Assert.Throws<CommandLineException>(() => LoraCommands.Run(["add", "--name", "d", "--file", lora, "--account", "777", .. config], TextWriter.Null, TextWriter.Null));
        Assert.Throws<CommandLineException>(() => LoraCommands.Run(["add", "--name", "d", "--file", Path.Combine(data, "missing.safetensors"), .. config], TextWriter.Null, TextWriter.Null));
        Assert.Throws<CommandLineException>(() => LoraCommands.Run(["rename", .. config], TextWriter.Null, TextWriter.Null));
        TemporaryFolder.Delete(data);
    }

    [Fact]
    public void A_refused_file_prints_the_loaders_message_and_exits_1()
    {
        string data = TemporaryFolder.Create();
        string[] config = ["--data", data, "--Models:Folders:0", LoraFiles.TinyDevModels];
        Run(o => KeyCommands.Run(["create", "--credits", "0", .. config], o, TextWriter.Null));
        string other = LoraFiles.OtherShape(data);
        using var errors = new StringWriter();
        Assert.Equal(1, LoraCommands.Run(["add", "--name", "other", "--file", other, .. config], TextWriter.Null, errors));
        Assert.StartsWith($"fluxserve: {other}: cannot be used as a LoRA for FLUX.1-dev:", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("lora_unet_double_blocks_7_img_attn_qkv", errors.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(data, "loras")));
        TemporaryFolder.Delete(data);
    }

    private static string Line(string output, string label) =>
        output.Split('\n').Single(l => l.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();

    private static (int Code, string Output) Run(Func<TextWriter, int> command)
    {
        using var output = new StringWriter();
        int code = command(output);
        return (code, output.ToString());
    }
}
