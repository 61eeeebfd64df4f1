using System.Net;
using System.Text.Json;
using FluxServe.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests;

/// <summary>An exception inside the server is a JSON 500 with a reference, never a stack trace.</summary>
public sealed class InternalErrorTests
{
    [Fact]
    public async Task Unhandled_exception_is_a_json_500_without_internals()
    {
        var generator = new TestPatternGenerator();
        var data = TemporaryFolder.Create();
        var app = FluxServeApp.Build(["--urls", "http://127.0.0.1:0", "--Storage:DataFolder", data, "--Logging:LogLevel:Default", "None"], services =>
        {
            services.AddSingleton<FluxServe.Server.Generation.IImageGenerator>(generator);
            services.AddSingleton<FluxServe.Server.Metrics.IDeviceMemoryProbe, ThrowingProbe>();
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            using var response = await http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            string text = await response.Content.ReadAsStringAsync();
            Assert.StartsWith("Internal error; reference ", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("probe exploded", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ThrowingProbe", text, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            TemporaryFolder.Delete(data);
        }
    }

    private sealed class ThrowingProbe : FluxServe.Server.Metrics.IDeviceMemoryProbe
    {
        public FluxServe.Server.Metrics.DeviceMemory Read() => throw new InvalidOperationException("probe exploded");
    }
}
