using System.Net;
using System.Text.Json;
using FluxServe.Client;
using FluxServe.Server;
using Microsoft.AspNetCore.Builder;

namespace FluxServe.Server.Tests;

/// <summary>The server answered over real HTTP on a loopback port.</summary>
public sealed class HealthEndpointTests : IAsyncLifetime
{
    private WebApplication? _app;
    private Uri? _baseAddress;

    public async Task InitializeAsync()
    {
        _app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]);
        await _app.StartAsync();
        _baseAddress = new Uri(_app.Urls.First() + "/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Healthz_answers_ok_through_the_client()
    {
        using var http = NewHttpClient();
        var client = new FluxServeClient(http);
        Assert.Equal("ok", await client.GetHealthAsync());
    }

    [Fact]
    public async Task Unknown_path_is_404_with_a_json_error_sentence()
    {
        using var http = NewHttpClient();
        using var response = await http.GetAsync(new Uri("no/such/thing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("/no/such/thing", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_method_is_405_with_allow_header()
    {
        using var http = NewHttpClient();
        using var response = await http.PostAsync(new Uri("healthz", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error").GetString()));
    }

    private HttpClient NewHttpClient() => new() { BaseAddress = _baseAddress };
}
