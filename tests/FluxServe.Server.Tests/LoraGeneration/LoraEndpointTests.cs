using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Models.Lora;
using FluxServe.Pipelines.Imaging;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;
using FluxServe.Server.Accounts;
using FluxServe.Server.Catalog;
using FluxServe.Server.Loras;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests.LoraGeneration;

/// <summary>
/// LoRA endpoints with the real pipeline: the tiny FLUX.1 [dev] installed as <c>flux-dev</c>, a <c>lora-tiny</c> file
/// registered for one account, the endpoint called by name. The side path itself is tied to the reference's merged
/// weights by the <c>lora-tiny</c> fixture; this checks the serving around it.
/// </summary>
public sealed class LoraEndpointTests : IAsyncLifetime
{
    private const string Prompt = "mybmwlora car in the streets of new york";
    private readonly string _models = TemporaryFolder.Create();
    private readonly string _data = TemporaryFolder.Create();
    private WebApplication _app = null!;
    private string _ownerKey = null!;
    private string _otherKey = null!;
    private LoraRecord _lora = null!;

    public async Task InitializeAsync()
    {
        TinyFluxModels.AssembleDiffusers(Path.Combine(_models, "flux-dev"), "dev");
        _app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Storage:DataFolder", _data, "--Models:Folders:0", _models, "--Logging:LogLevel:Default", "Warning"]);
        await _app.StartAsync();
        var accounts = _app.Services.GetRequiredService<AccountStore>();
        var owner = accounts.CreateKey("owner", Credits.ToMicro(10), null);
        _ownerKey = owner.Key;
        _otherKey = accounts.CreateKey("other", Credits.ToMicro(10), null).Key;
        _lora = _app.Services.GetRequiredService<LoraStore>().Register("mybmwlora", FixturePaths.Of("lora-tiny", "lora_kohya.safetensors"),
            owner.Info.AccountId, "mybmwlora", CancellationToken.None);
    }

    [Fact]
    public async Task The_owner_gets_the_base_model_with_the_lora_as_a_side_path_at_the_requested_strength()
    {
        using var http = Client(_ownerKey);
        using var response = await http.PostAsync($"/v1/{_lora.EndpointName}",
            TestServer.Json($$"""{"prompt":"{{Prompt}}","steps":2,"seed":6652105,"aspect_ratio":"1:1","lora_strength":0.8,"base64":true}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        byte[] served = Convert.FromBase64String(body.GetProperty("image").GetString()!);

        using var flux = FluxModel.Load(Path.Combine(_models, "flux-dev"));
        using var adapter = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_kohya.safetensors"), flux.Transformer.Config);
        var request = new TextToImageRequest { Prompt = Prompt, Steps = 2, Seed = 6652105, Width = 1024, Height = 1024, Scheduler = "simple" };
        byte[] withLora, without;
        using (LoraScope.Begin(adapter, 0.8f))
        using (var images = new TextToImagePipeline(flux).Generate(request))
        {
            withLora = ImageEncoder.Encode(images.Images[0], Pipelines.Imaging.ImageFormat.Jpeg, 90);
        }

        using (var images = new TextToImagePipeline(flux).Generate(request))
        {
            without = ImageEncoder.Encode(images.Images[0], Pipelines.Imaging.ImageFormat.Jpeg, 90);
        }

        Assert.Equal(withLora, served);
        Assert.NotEqual(without, served); // the LoRA really changed the picture
    }

    [Fact]
    public async Task Strength_zero_is_the_plain_dev_model_and_the_defaults_apply()
    {
        using var http = Client(_ownerKey);
        using var lora = await http.PostAsync($"/v1/{_lora.EndpointName}",
            TestServer.Json($$"""{"prompt":"{{Prompt}}","steps":1,"lora_strength":0,"base64":true}"""));
        Assert.Equal(HttpStatusCode.OK, lora.StatusCode);
        Assert.Equal("6652105", lora.Headers.GetValues("x-seed-value").Single());
        using var plain = await http.PostAsync("/v1/flux-dev",
            TestServer.Json($$"""{"prompt":"{{Prompt}}","steps":1,"seed":6652105,"aspect_ratio":"2:3","base64":true}"""));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        byte[] a = Convert.FromBase64String((await lora.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("image").GetString()!);
        byte[] b = Convert.FromBase64String((await plain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("image").GetString()!);
        Assert.Equal(b, a);
        var (width, height) = AspectRatios.Resolve("2:3");
        Assert.Equal((width, height), (ImageDecoder.Identify(a).Width, ImageDecoder.Identify(a).Height));
    }

    [Fact]
    public async Task Another_accounts_key_gets_403_and_a_wrong_name_404_and_nothing_is_charged()
    {
        using var other = Client(_otherKey);
        decimal before = Balance(_otherKey);
        using var forbidden = await other.PostAsync($"/v2/{_lora.EndpointName}", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("another account", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Balance(_otherKey));

        using var owner = Client(_ownerKey);
        using var wrongName = await owner.PostAsync($"/v2/{_lora.Id}-othername", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, wrongName.StatusCode);
        using var unknown = await owner.PostAsync($"/v2/{Guid.NewGuid():D}-mybmwlora", TestServer.Json("""{"prompt":"x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_endpoint_with_its_trigger_word()
    {
        using var http = Client(null);
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi.json");
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty($"/v1/{_lora.EndpointName}", out var v1));
        Assert.True(paths.TryGetProperty($"/v2/{_lora.EndpointName}", out _));
        Assert.Contains("mybmwlora", v1.GetProperty("post").GetProperty("summary").GetString(), StringComparison.Ordinal);
        var strength = v1.GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json")
            .GetProperty("schema").GetProperty("properties").GetProperty("lora_strength");
        Assert.Equal(1.2, strength.GetProperty("default").GetDouble());
        Assert.Equal(-10, strength.GetProperty("minimum").GetDouble());
        Assert.True(paths.GetProperty("/admin/loras").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        Assert.True(paths.GetProperty("/admin/loras/{endpoint}").TryGetProperty("delete", out _));
    }

    [Fact]
    public async Task A_job_whose_lora_was_removed_before_it_ran_fails_and_is_refunded()
    {
        using var http = Client(_ownerKey);
        var store = _app.Services.GetRequiredService<LoraStore>();
        var second = store.Register("gone", FixturePaths.Of("lora-tiny", "lora_bfl.safetensors"), _lora.AccountId, null, CancellationToken.None);
        decimal before = Balance(_ownerKey);
        // Occupy the worker so the next job waits in the queue, then remove its LoRA.
        using var busy = await http.PostAsync($"/v2/{_lora.EndpointName}", TestServer.Json($$"""{"prompt":"{{Prompt}}","steps":3}"""));
        using var submit = await http.PostAsync($"/v2/{second.EndpointName}", TestServer.Json("""{"prompt":"x","steps":1}"""));
        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        Assert.True(store.Remove(second.EndpointName));
        string id = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
        var status = await TestServer.WaitFinishedAsync(http, id, TimeSpan.FromMinutes(5));
        if (status.GetProperty("status").GetString() == "FAILED")
        {
            using var result = await http.GetAsync($"/v2/requests/{id}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, result.StatusCode);
            Assert.Contains("removed", (await result.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Fail("The job ran although its LoRA was removed while it was queued.");
        }

        string busyId = (await busy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
        await TestServer.WaitFinishedAsync(http, busyId, TimeSpan.FromMinutes(5));
        var busyResult = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{busyId}");
        decimal busyCost = busyResult.GetProperty("metrics").GetProperty("cost").GetDecimal();
        Assert.Equal(before - busyCost, Balance(_ownerKey));
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TemporaryFolder.Delete(_data);
        TemporaryFolder.Delete(_models);
    }

    private HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()), Timeout = TimeSpan.FromMinutes(5) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("x-api-key", key);
        }

        return http;
    }

    private decimal Balance(string key) => _app.Services.GetRequiredService<AccountStore>().CreditsOfKey(key);
}
