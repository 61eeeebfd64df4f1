using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Catalog;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>/metrics in Prometheus text format and the OpenAPI document.</summary>
public sealed class OperationalEndpointTests
{
    [Fact]
    public async Task Metrics_count_jobs_and_observe_latencies()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client(server.CreateKey(1));
        string id = (await (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128,"steps":3}"""))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
        await TestServer.WaitFinishedAsync(http, id);

        // The worker records the job's metrics just after the store marks it COMPLETED (which the status poll sees):
        // read /metrics until they are there.
        string text;
        Dictionary<string, double> samples;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await http.GetAsync("/metrics");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            samples = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
                .ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            if (samples["fluxserve_job_duration_seconds_count"] >= 1 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Equal(0, samples["fluxserve_queue_depth"]);
        Assert.Equal(1, samples["fluxserve_jobs{state=\"COMPLETED\"}"]);
        Assert.Equal(1, samples["fluxserve_jobs_submitted_total"]);
        Assert.Equal(1, samples["fluxserve_job_duration_seconds_count"]);
        Assert.Equal(3, samples["fluxserve_step_duration_seconds_count"]);
        Assert.Equal(3, samples["fluxserve_step_duration_seconds_bucket{le=\"+Inf\"}"]);
        Assert.True(samples["fluxserve_device_memory_bytes{device=\"cpu\"}"] > 0);
        Assert.Contains("# TYPE fluxserve_job_duration_seconds histogram", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openapi_document_describes_every_endpoint_and_parameter()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        var doc = await http.GetFromJsonAsync<JsonElement>("/openapi.json");
        Assert.StartsWith("3.1", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.GetProperty("paths");
        foreach (var endpoint in ModelCatalog.Endpoints.Values)
        {
            foreach (string version in (string[])["v1", "v2"])
            {
                var schema = paths.GetProperty($"/{version}/{endpoint.Name}").GetProperty("post").GetProperty("requestBody")
                    .GetProperty("content").GetProperty("application/json").GetProperty("schema");
                var properties = schema.GetProperty("properties");
                foreach (var parameter in endpoint.Parameters)
                {
                    var property = properties.GetProperty(parameter.Name);
                    if (parameter.Maximum is double max)
                    {
                        Assert.Equal(max, property.GetProperty("maximum").GetDouble());
                    }

                    if (parameter.Values is not null)
                    {
                        Assert.Equal(parameter.Values, property.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
                    }
                }

                Assert.Equal(endpoint.Parameters.Where(p => p.Required).Select(p => p.Name), schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
            }
        }

        foreach (string path in (string[])["/v2/requests/{id}/status", "/v2/requests/{id}", "/v2/requests/{id}/events", "/v2/requests/{id}/cancel", "/v2/outputs/{file}", "/metrics", "/readyz", "/admin/loras", "/admin/loras/{endpoint}"])
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }
}
