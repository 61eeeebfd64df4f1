using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Redux;
using FluxServe.Pipelines.Registry;
using FluxServe.Server.Accounts;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests.Redux;

/// <summary>
/// <c>flux-redux-schnell</c> with the real pipeline: the tiny schnell model and the tiny Redux folder installed under
/// <c>Models:Folders</c> as an operator would (<c>flux-schnell/</c>, <c>flux-redux/</c>), the input sent as a data URI.
/// </summary>
public sealed class ReduxEndpointTests : IAsyncLifetime, IDisposable
{
    private readonly string _models = TemporaryFolder.Create();
    private readonly string _data = TemporaryFolder.Create();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        TinyFluxModels.AssembleDiffusers(Path.Combine(_models, "flux-schnell"), "schnell");
        TinyReduxModels.AssembleDiffusers(Path.Combine(_models, "flux-redux"));
        _app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Storage:DataFolder", _data, "--Models:Folders:0", _models, "--Logging:LogLevel:Default", "Warning"]);
        await _app.StartAsync();
        _key = _app.Services.GetRequiredService<AccountStore>().CreateKey("redux", Credits.ToMicro(1), null).Key;
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()), Timeout = TimeSpan.FromMinutes(5) };
        _http.DefaultRequestHeaders.Add("x-api-key", _key);
    }

    [Fact]
    public async Task V1_answers_the_variation_the_pipeline_makes_at_the_inputs_size()
    {
        byte[] input = InputPng(80, 48);
        string body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["redux_image"] = "data:image/png;base64," + Convert.ToBase64String(input),
            ["megapixels"] = "match_input",
            ["seed"] = 98566,
            ["num_inference_steps"] = 2,
            ["output_format"] = "png",
        });
        using var response = await _http.PostAsync("/v1/flux-redux-schnell", TestServer.Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("98566", response.Headers.GetValues("x-seed-value").Single());
        using var served = ImageDecoder.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((80, 48), (served.Width, served.Height));

        // The same variation through the library (PNG is lossless: pixels must be equal).
        using var flux = FluxModel.Load(Path.Combine(_models, "flux-schnell"));
        using var redux = ReduxModel.Load(Path.Combine(_models, "flux-redux"));
        using var pipeline = new ImageVariationPipeline(flux, redux);
        using var decodedInput = ImageDecoder.Decode(input);
        using var expected = pipeline.Generate(new ImageVariationRequest { Image = decodedInput, Width = 80, Height = 48, Steps = 2, Seed = 98566 });
        Assert.True(expected.Images[0].Pixels.SequenceEqual(served.Pixels), "the served image differs from the pipeline's");

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_data, "inputs"))); // the input is gone once the job ended
    }

    [Fact]
    public async Task V2_with_raw_base64_and_several_outputs_returns_every_image()
    {
        string body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["redux_image"] = Convert.ToBase64String(InputPng(32, 32)),
            ["megapixels"] = "match_input",
            ["num_outputs"] = 2,
            ["num_inference_steps"] = 1,
            ["output_format"] = "webp",
        });
        using var submit = await _http.PostAsync("/v2/flux-redux-schnell", TestServer.Json(body));
        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        Assert.True(ulong.TryParse(submit.Headers.GetValues("x-seed-value").Single(), out _)); // random seed, reported
        var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var status = await TestServer.WaitFinishedAsync(_http, submitted.GetProperty("request_id").GetString()!, TimeSpan.FromMinutes(5));
        Assert.Equal("COMPLETED", status.GetProperty("status").GetString());
        var result = await _http.GetFromJsonAsync<JsonElement>(submitted.GetProperty("response_url").GetString());
        Assert.Equal(2, result.GetProperty("output").GetArrayLength());
        foreach (var url in result.GetProperty("output").EnumerateArray())
        {
            byte[] image = await _http.GetByteArrayAsync(url.GetString());
            Assert.Equal(Pipelines.Imaging.ImageFormat.WebP, ImageDecoder.DetectFormat(image));
            Assert.Equal((32, 32), (ImageDecoder.Identify(image).Width, ImageDecoder.Identify(image).Height));
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/in.png")]
    [InlineData("http://localhost:{port}/in.png")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/in.png")]
    [InlineData("http://10.0.0.1/in.png")]
    [InlineData("http://192.168.0.1/in.png")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("file:///etc/passwd")]
    public async Task Urls_to_loopback_private_or_metadata_addresses_are_refused_before_any_connection(string template)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        decimal before = Balance();
        string body = JsonSerializer.Serialize(new Dictionary<string, object> { ["redux_image"] = template.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) });
        using var response = await _http.PostAsync("/v2/flux-redux-schnell", TestServer.Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("redux_image", error.GetProperty("field").GetString());
        Assert.Contains("redux_image", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the server connected to the refused address");
        Assert.Equal(before, Balance());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_data, "inputs")));
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("data:image/png;base64,aGVsbG8gd29ybGQ=")] // "hello world": valid base64, not an image
    public async Task Input_that_is_not_an_image_is_a_400_naming_the_field(string value)
    {
        using var response = await _http.PostAsync("/v1/flux-redux-schnell", TestServer.Json(JsonSerializer.Serialize(new { redux_image = value })));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("redux_image", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Readiness_lists_the_redux_model_and_says_no_safety_checker_is_configured()
    {
        var ready = await _http.GetFromJsonAsync<JsonElement>("/readyz");
        var models = ready.GetProperty("installed_models").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains("flux-redux-schnell", models);
        Assert.Contains("flux-schnell", models);
        Assert.Contains("none configured", ready.GetProperty("safety_checker").GetString(), StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TemporaryFolder.Delete(_data);
        TemporaryFolder.Delete(_models);
    }

    private decimal Balance() => _app.Services.GetRequiredService<AccountStore>().CreditsOfKey(_key);

    private static byte[] InputPng(int width, int height) =>
        PngEncoder.Encode(width, height, (x, y) => ((byte)(x * 3), (byte)(y * 5), (byte)((x * y) & 255)));
}
