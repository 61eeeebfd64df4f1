using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>Progress as server-sent events: queue position, step i of N, and the end state.</summary>
public sealed class ServerSentEventsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Events_report_queue_position_every_step_and_completion(bool throughStatusAccept)
    {
        var generator = new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(120), maxBatchItems: 1);
        await using var server = await TestServer.StartAsync(generator);
        using var http = server.Client(server.CreateKey(1));
        // A first job keeps the worker busy so the watched one starts QUEUED behind it.
        await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"ahead","width":128,"height":128,"steps":8}"""));
        var submitted = await (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"watched","width":128,"height":128,"steps":4,"seed":5}"""))).Content.ReadFromJsonAsync<JsonElement>();
        string id = submitted.GetProperty("request_id").GetString()!;

        using var request = new HttpRequestMessage(HttpMethod.Get, throughStatusAccept ? $"/v2/requests/{id}/status" : submitted.GetProperty("events_url").GetString());
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-remaining-credits"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<JsonElement>();
        string? eventName = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                Assert.Equal("status", eventName);
                events.Add(JsonDocument.Parse(line[6..]).RootElement.Clone());
            }
        }

        var states = events.Select(e => e.GetProperty("status").GetString()).ToList();
        Assert.Equal("QUEUED", states[0]);
        Assert.Equal(1, events[0].GetProperty("queue_position").GetInt32());
        Assert.Equal("COMPLETED", states[^1]);
        var steps = events.Where(e => e.GetProperty("status").GetString() == "PROCESSING" && e.TryGetProperty("progress", out _))
            .Select(e => e.GetProperty("progress").GetProperty("step").GetInt32()).ToList();
        // Each change is one event; a step and the completion may coalesce (the COMPLETED event then carries N of N).
        Assert.Equal(steps.Order().Distinct(), steps);
        Assert.True(steps.Count >= 3, $"saw steps {string.Join(',', steps)}");
        Assert.All(steps, s => Assert.InRange(s, 0, 4));
        Assert.Equal(4, events[^1].GetProperty("progress").GetProperty("step").GetInt32());
        Assert.All(events.Where(e => e.TryGetProperty("progress", out _)), e => Assert.Equal(4, e.GetProperty("progress").GetProperty("total_steps").GetInt32()));
    }
}
