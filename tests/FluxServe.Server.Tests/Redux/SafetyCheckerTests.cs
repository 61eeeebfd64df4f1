using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Pipelines.Imaging;
using FluxServe.Server.Accounts;
using FluxServe.Server.Generation;
using FluxServe.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests.Redux;

/// <summary>
/// The safety-checker hook: a registered <see cref="ISafetyChecker"/> sees every output image unless the request set
/// <c>disable_safety_checker</c>; a blocked image fails the job with the checker's reason (v2 result 422, v1 422) and
/// refunds it. The checker here is a test double that blocks images whose first pixel's red level is 13, which the
/// test pattern draws for seed 13 (<see cref="TestPatternGenerator.Pattern"/>).
/// </summary>
public sealed class SafetyCheckerTests : IAsyncLifetime, IDisposable
{
    private readonly string _data = TemporaryFolder.Create();
    private readonly RedLevelChecker _checker = new();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Storage:DataFolder", _data, "--Logging:LogLevel:Default", "Warning"], services =>
        {
            services.AddSingleton<IImageGenerator>(new TestPatternGenerator("flux-schnell"));
            services.AddSingleton<IImageGenerator>(new TestPatternGenerator("flux-redux-schnell"));
            services.AddSingleton<ISafetyChecker>(_checker);
        });
        await _app.StartAsync();
        _key = _app.Services.GetRequiredService<AccountStore>().CreateKey("safety", Credits.ToMicro(1), null).Key;
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Add("x-api-key", _key);
    }

    [Fact]
    public async Task A_blocked_image_fails_the_v2_job_with_the_reason_as_422_and_refunds_it()
    {
        decimal before = Balance();
        string id = await SubmitAsync("/v2/flux-schnell", """{"prompt":"p","seed":13,"width":128,"height":128}""");
        var status = await TestServer.WaitFinishedAsync(_http, id);
        Assert.Equal("FAILED", status.GetProperty("status").GetString());
        using var result = await _http.GetAsync($"/v2/requests/{id}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.StatusCode);
        string error = (await result.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        Assert.Contains("blocked by the safety checker (test category)", error, StringComparison.Ordinal);
        Assert.Equal(before, Balance());

        string allowed = await SubmitAsync("/v2/flux-schnell", """{"prompt":"p","seed":14,"width":128,"height":128}""");
        Assert.Equal("COMPLETED", (await TestServer.WaitFinishedAsync(_http, allowed)).GetProperty("status").GetString());
        Assert.True(_checker.Calls >= 2);
    }

    [Fact]
    public async Task A_blocked_v1_call_answers_422_with_the_reason()
    {
        using var response = await _http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"p","seed":13,"width":128,"height":128}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FAILED", body.GetProperty("status").GetString());
        Assert.Contains("safety checker", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_safety_checker_is_honoured()
    {
        string image = "data:image/png;base64," + Convert.ToBase64String(PngEncoder.Encode(16, 16, (x, y) => ((byte)x, (byte)y, 0)));
        string checkedId = await SubmitAsync("/v2/flux-redux-schnell", JsonSerializer.Serialize(new { redux_image = image, seed = 13, megapixels = "match_input" }));
        Assert.Equal("FAILED", (await TestServer.WaitFinishedAsync(_http, checkedId)).GetProperty("status").GetString());

        int calls = _checker.Calls;
        string uncheckedId = await SubmitAsync("/v2/flux-redux-schnell",
            JsonSerializer.Serialize(new { redux_image = image, seed = 13, megapixels = "match_input", disable_safety_checker = true }));
        Assert.Equal("COMPLETED", (await TestServer.WaitFinishedAsync(_http, uncheckedId)).GetProperty("status").GetString());
        Assert.Equal(calls, _checker.Calls);
    }

    [Fact]
    public async Task A_checker_that_fails_fails_the_job_closed_and_refunds_it()
    {
        decimal before = Balance();
        using var response = await _http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"p","seed":99,"width":128,"height":128}"""));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FAILED", body.GetProperty("status").GetString());
        Assert.DoesNotContain("checker crash", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Balance());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_data, "outputs")));
    }

    [Fact]
    public async Task Readiness_names_the_checker()
    {
        var ready = await _http.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("red-level test checker", ready.GetProperty("safety_checker").GetString());
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TemporaryFolder.Delete(_data);
    }

    private async Task<string> SubmitAsync(string path, string body)
    {
        using var response = await _http.PostAsync(path, TestServer.Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
    }

    private decimal Balance() => _app.Services.GetRequiredService<AccountStore>().CreditsOfKey(_key);

    private sealed class RedLevelChecker : ISafetyChecker
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Name => "red-level test checker";

        public SafetyVerdict Check(RgbImage image, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return image.Pixels[0] switch
            {
                13 => SafetyVerdict.Block("test category"),
                99 => throw new InvalidOperationException("checker crash"),
                _ => SafetyVerdict.Allowed,
            };
        }
    }
}
