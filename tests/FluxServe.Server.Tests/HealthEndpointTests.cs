using System.Net;
using System.Text.Json;
using FluxServe.Client;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>The server answered over real HTTP on a loopback port.</summary>
public sealed class HealthEndpointTests : IAsyncLifetime
{
    private TestServer? _server;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task Healthz_answers_ok_through_the_client()
    {
        using var http = _server!.Client();
        var client = new FluxServeClient(http);
        Assert.Equal("ok", await client.GetHealthAsync());
    }

    [Fact]
    public async Task Unknown_path_is_404_with_a_json_error_sentence()
    {
        using var http = _server!.Client();
        using var response = await http.GetAsync(new Uri("no/such/thing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("/no/such/thing", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_method_is_405_with_allow_header()
    {
        using var http = _server!.Client();
        using var response = await http.PostAsync(new Uri("healthz", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Readyz_lists_the_installed_models()
    {
        using var http = _server!.Client();
        using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri("readyz", UriKind.Relative)));
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(["flux-schnell"], body.RootElement.GetProperty("installed_models").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, body.RootElement.GetProperty("workers").GetInt32());
    }
}
