using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Server.Accounts;
using FluxServe.Server.Generation;
using FluxServe.Server.Loras;
using FluxServe.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests.Redux;

/// <summary>
/// The Redux and LoRA pages' Python examples against FluxServe, with the base URL and key changed — and, since a LoRA
/// endpoint's uuid is drawn at registration and this machine has no internet, the endpoint name and the example's
/// image URL (replaced by the same kind of input as a data URI). Test-pattern generators stand in for the models.
/// </summary>
public sealed class SeedExampleReduxLoraTests : IAsyncLifetime
{
    private readonly string _data = TemporaryFolder.Create();
    private WebApplication _app = null!;
    private string _key = null!;
    private LoraRecord _lora = null!;

    public async Task InitializeAsync()
    {
        _app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Storage:DataFolder", _data, "--Logging:LogLevel:Default", "Warning"], services =>
        {
            services.AddSingleton<IImageGenerator>(new TestPatternGenerator("flux-redux-schnell"));
            services.AddSingleton<IImageGenerator>(new TestPatternGenerator("flux-dev"));
        });
        await _app.StartAsync();
        var created = _app.Services.GetRequiredService<AccountStore>().CreateKey("seeds", Credits.ToMicro(1), null);
        _key = created.Key;
        // No flux-dev folder is installed: the file is checked against the real FLUX.1-dev shape.
        _lora = _app.Services.GetRequiredService<LoraStore>().Register("mybmwlora", RealShapeLora(_data), created.Info.AccountId, "mybmwlora", CancellationToken.None);
    }

    [PythonRequestsFact]
    public void Lora_python_example_succeeds_with_its_defaults()
    {
        string code = SeedExamples.Retarget(SeedExamples.Python("flux-dev-lora-endpoint.txt"), new Uri(_app.Urls.First()), _key)
            .Replace("40174048-1b49-48f3-ad7e-8384098f22d2-mybmwlora", _lora.EndpointName, StringComparison.Ordinal);
        var (exit, output, error) = SeedExampleClientTests.RunPython(code);
        Assert.True(exit == 0, error);
        Assert.DoesNotContain("Error:", output, StringComparison.Ordinal);
        using var printed = JsonDocument.Parse(output);
        Assert.Equal("COMPLETED", printed.RootElement.GetProperty("status").GetString());
        Assert.Equal(6652105UL, printed.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal(1, printed.RootElement.GetProperty("output").GetArrayLength());
    }

    [PythonRequestsFact]
    public void Redux_python_example_gets_the_image_its_page_promises()
    {
        string png = "data:image/png;base64," + Convert.ToBase64String(PngEncoder.Encode(48, 32, (x, y) => ((byte)x, (byte)y, 7)));
        string code = SeedExamples.JsonLiteralsForPython + SeedExamples.Retarget(SeedExamples.Python("flux-redux-schnell.txt"), new Uri(_app.Urls.First()), _key)
            .Replace("https://segmind-sd-models.s3.us-east-1.amazonaws.com/display_images/flux-tools/flux-redux-schnell-ip.png", png, StringComparison.Ordinal);
        var (exit, output, error) = SeedExampleClientTests.RunPython(code);

        // The page says "Returns: Image" and FluxServe answers image/jpeg, as the hosted service does; the listing's own
        // response.json() cannot parse an image, so it stops there, after a 200 (no "Error:" line).
        Assert.NotEqual(0, exit);
        Assert.Contains("JSONDecodeError", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Error:", output, StringComparison.Ordinal);
        var accounts = _app.Services.GetRequiredService<AccountStore>();
        Assert.Equal(Credits.ToMicro(1) - Credits.ToMicro(0.003m), accounts.Balance(_lora.AccountId));
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TemporaryFolder.Delete(_data);
    }

    // A rank-1 kohya LoRA on one layer of the real FLUX.1-dev (hidden 3072): double_blocks.0.img_attn.qkv.
    private static string RealShapeLora(string folder)
    {
        string path = Path.Combine(folder, "real-shape-lora.safetensors");
        using var down = Tensor.FromArray(Enumerable.Range(0, 3072).Select(i => (float)Math.Sin(i) * 0.01f).ToArray(), [1, 3072]);
        using var up = Tensor.FromArray(Enumerable.Range(0, 9216).Select(i => (float)Math.Cos(i) * 0.01f).ToArray(), [9216, 1]);
        SafetensorsWriter.Write(path, [new("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight", down), new("lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight", up)]);
        return path;
    }
}
