using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>A real FluxServe server on a loopback port with its own SQLite file in a temporary folder.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, string dataFolder, TestPatternGenerator generator)
    {
        _app = app;
        DataFolder = dataFolder;
        Generator = generator;
        BaseAddress = new Uri(app.Urls.First());
    }

    public Uri BaseAddress { get; }

    public string DataFolder { get; }

    public TestPatternGenerator Generator { get; }

    public IServiceProvider Services => _app.Services;

    public AccountStore Accounts => _app.Services.GetRequiredService<AccountStore>();

    /// <summary>Starts a server; <paramref name="settings"/> are configuration pairs ("Jobs:Retention", "00:00:01").</summary>
    public static async Task<TestServer> StartAsync(TestPatternGenerator? generator = null, string? dataFolder = null, params (string Key, string Value)[] settings)
    {
        generator ??= new TestPatternGenerator();
        dataFolder ??= TemporaryFolder.Create();
        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--Storage:DataFolder", dataFolder, "--Logging:LogLevel:Default", "Warning" };
        foreach (var (key, value) in settings)
        {
            args.Add("--" + key);
            args.Add(value);
        }

        var app = FluxServeApp.Build([.. args], services => services.AddSingleton<IImageGenerator>(generator));
        await app.StartAsync();
        return new TestServer(app, dataFolder, generator);
    }

    /// <summary>A new key on a new account holding <paramref name="credits"/>.</summary>
    public string CreateKey(decimal credits, params string[] models) =>
        Accounts.CreateKey("test", Credits.ToMicro(credits), models.Length == 0 ? null : models).Key;

    public long AccountOf(string key) => Accounts.AccountOfApiKey(key);

    public decimal Balance(string key) => Accounts.CreditsOfKey(key);

    public HttpClient Client(string? key = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("x-api-key", key);
        }

        return http;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Polls the status until the job finishes.</summary>
    public static async Task<JsonElement> WaitFinishedAsync(HttpClient http, string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{id}/status");
            string state = status.GetProperty("status").GetString()!;
            if (state is "COMPLETED" or "FAILED")
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"request {id} still {state}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TemporaryFolder.Delete(DataFolder);
    }
}
