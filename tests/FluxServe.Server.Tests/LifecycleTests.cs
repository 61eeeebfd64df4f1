using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FluxServe.Server.Tests;

/// <summary>v2 from submit to result, v1 as a wait on the same job, expiry, cancel, idempotency and deadlines.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task V2_job_goes_queued_processing_completed_and_serves_its_images()
    {
        await using var server = await TestServer.StartAsync(new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(150)));
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        using var submit = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"a bengal tiger","seed":42,"samples":2,"width":320,"height":192,"steps":3}"""));
        var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        string id = submitted.GetProperty("request_id").GetString()!;
        Assert.Equal("QUEUED", submitted.GetProperty("status").GetString());

        var seen = new HashSet<string>();
        int lastStep = 0;
        JsonElement status;
        while (true)
        {
            status = await http.GetFromJsonAsync<JsonElement>(submitted.GetProperty("status_url").GetString());
            string state = status.GetProperty("status").GetString()!;
            seen.Add(state);
            if (state == "PROCESSING" && status.TryGetProperty("progress", out var progress))
            {
                int step = progress.GetProperty("step").GetInt32();
                Assert.True(step >= lastStep, "progress never goes back");
                Assert.Equal(3, progress.GetProperty("total_steps").GetInt32());
                lastStep = step;
            }

            if (state is "COMPLETED" or "FAILED")
            {
                break;
            }

            await Task.Delay(25);
        }

        Assert.Equal("COMPLETED", status.GetProperty("status").GetString());
        Assert.Contains("PROCESSING", seen);
        using var resultResponse = await http.GetAsync(submitted.GetProperty("response_url").GetString());
        Assert.Equal(HttpStatusCode.OK, resultResponse.StatusCode);
        var result = await resultResponse.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("COMPLETED", result.GetProperty("status").GetString());
        Assert.Equal(42UL, result.GetProperty("seed").GetUInt64());
        var metrics = result.GetProperty("metrics");
        Assert.Equal(0.006m, metrics.GetProperty("cost").GetDecimal());
        Assert.Equal(0.994m, metrics.GetProperty("remaining_credits").GetDecimal());
        Assert.True(metrics.GetProperty("inference_time").GetDouble() >= 0.4, "3 steps of 150 ms");
        Assert.True(metrics.GetProperty("total_time").GetDouble() >= metrics.GetProperty("inference_time").GetDouble());
        Assert.True(metrics.GetProperty("queue_time").GetDouble() >= 0);

        var outputs = result.GetProperty("output").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(2, outputs.Count);
        using var anonymous = new HttpClient();
        for (int sample = 0; sample < 2; sample++)
        {
            using var image = await anonymous.GetAsync(outputs[sample]);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            byte[] bytes = await image.Content.ReadAsByteArrayAsync();
            Assert.Equal(TestPatternGenerator.Pattern(320, 192, 42, sample, "a bengal tiger"), bytes);
        }
    }

    [Fact]
    public async Task V1_answers_the_image_bytes_with_the_headers()
    {
        await using var server = await TestServer.StartAsync();
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        using var response = await http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"tiger","seed":7,"width":256,"height":128}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TestPatternGenerator.Pattern(256, 128, 7, 0, "tiger"), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("7", response.Headers.GetValues("x-seed-value").Single());
        Assert.Equal("0.003", response.Headers.GetValues("x-cost").Single());
        Assert.Equal("0.997", response.Headers.GetValues("x-remaining-credits").Single());
        Assert.True(double.Parse(response.Headers.GetValues("x-generation-time").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        string id = response.Headers.GetValues("x-request-id").Single();
        // v1 is a v2 job plus a wait: the same request is readable through v2.
        var result = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{id}");
        Assert.Equal("COMPLETED", result.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"prompt":"t","width":128,"height":128,"base64":true}""", null, 1)]
    [InlineData("""{"prompt":"t","width":128,"height":128,"samples":3}""", null, 3)]
    [InlineData("""{"prompt":"t","width":128,"height":128}""", "application/json", 1)]
    public async Task V1_answers_json_with_base64_images_when_asked(string body, string? accept, int images)
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client(server.CreateKey(1));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/flux-schnell") { Content = TestServer.Json(body) };
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var list = json.GetProperty("images").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!)).ToList();
        Assert.Equal(images, list.Count);
        for (int i = 0; i < images; i++)
        {
            Assert.Equal(TestPatternGenerator.Pattern(128, 128, 123456789, i, "t"), list[i]);
        }

        Assert.Equal(json.GetProperty("images")[0].GetString(), json.GetProperty("image").GetString());
        Assert.Equal(images, json.GetProperty("output").GetArrayLength());
    }

    [Fact]
    public async Task Axios_default_accept_header_still_gets_the_image()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client(server.CreateKey(1));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/flux-schnell") { Content = TestServer.Json("""{"prompt":"t","width":128,"height":128}""") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/plain, */*");
        using var response = await http.SendAsync(request);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Fast_flux_schnell_sizes_from_the_aspect_ratio_and_answers_json()
    {
        var generator = new TestPatternGenerator();
        await using var server = await TestServer.StartAsync(generator);
        using var http = server.Client(server.CreateKey(1));
        using var response = await http.PostAsync("/v1/fast-flux-schnell", TestServer.Json("""{"prompt":"car","steps":2,"aspect_ratio":"16:9","base64":false}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(json.TryGetProperty("image", out _));
        Assert.Equal(1184522UL, json.GetProperty("seed").GetUInt64());
        using var anonymous = new HttpClient();
        byte[] png = await anonymous.GetByteArrayAsync(json.GetProperty("output")[0].GetString());
        Assert.Equal((1344, 768), PngEncoder.Size(png));
    }

    [Fact]
    public async Task Expired_result_is_404_and_its_files_are_deleted()
    {
        await using var server = await TestServer.StartAsync(null, null, ("Jobs:Retention", "00:00:01"), ("Jobs:SweepInterval", "00:00:00.200"));
        using var http = server.Client(server.CreateKey(1));
        var submitted = await (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""))).Content.ReadFromJsonAsync<JsonElement>();
        string id = submitted.GetProperty("request_id").GetString()!;
        await TestServer.WaitFinishedAsync(http, id);
        var result = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{id}");
        string output = result.GetProperty("output")[0].GetString()!;
        string file = Path.Combine(server.DataFolder, "outputs", output[(output.LastIndexOf('/') + 1)..]);
        Assert.True(File.Exists(file));

        await Task.Delay(TimeSpan.FromSeconds(1.6));
        using var gone = await http.GetAsync($"/v2/requests/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var goneStatus = await http.GetAsync($"/v2/requests/{id}/status");
        Assert.Equal(HttpStatusCode.NotFound, goneStatus.StatusCode);
        using var anonymous = new HttpClient();
        using var image = await anonymous.GetAsync(output);
        Assert.Equal(HttpStatusCode.NotFound, image.StatusCode);
        Assert.False(File.Exists(file), "the sweeper deleted the image");
    }

    [Fact]
    public async Task Cancel_of_a_queued_and_of_a_running_job_refunds_both()
    {
        var generator = new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(200), maxBatchItems: 1);
        await using var server = await TestServer.StartAsync(generator);
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        string running = (await (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"a","width":128,"height":128,"steps":8}"""))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
        var queuedAnswer = await (await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"b","width":128,"height":128,"steps":8}"""))).Content.ReadFromJsonAsync<JsonElement>();
        string queued = queuedAnswer.GetProperty("request_id").GetString()!;
        Assert.Equal(0.994m, server.Balance(key));

        while ((await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{running}/status")).GetProperty("status").GetString() != "PROCESSING")
        {
            await Task.Delay(10);
        }

        var queuedStatus = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{queued}/status");
        Assert.Equal("QUEUED", queuedStatus.GetProperty("status").GetString());
        Assert.Equal(1, queuedStatus.GetProperty("queue_position").GetInt32());

        using (var cancel = await http.PostAsync($"/v2/requests/{queued}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("FAILED", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        using (var cancel = await http.DeleteAsync($"/v2/requests/{running}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        Assert.Equal(1m, server.Balance(key));
        foreach (string id in (string[])[queued, running])
        {
            using var result = await http.GetAsync($"/v2/requests/{id}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, result.StatusCode);
            Assert.Contains("cancelled", (await result.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        using var again = await http.PostAsync($"/v2/requests/{queued}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await Task.Delay(400); // the running batch notices the cancel and never completes the job
        Assert.Equal("FAILED", (await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{running}/status")).GetProperty("status").GetString());
        Assert.Equal(1m, server.Balance(key));
    }

    [Fact]
    public async Task Idempotency_key_replays_the_first_request_and_rejects_a_different_body()
    {
        await using var server = await TestServer.StartAsync();
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        async Task<HttpResponseMessage> Send(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/flux-schnell") { Content = TestServer.Json(body) };
            request.Headers.Add("Idempotency-Key", "order-17");
            return await http.SendAsync(request);
        }

        using var first = await Send("""{"prompt":"x","width":128,"height":128}""");
        using var second = await Send("""{"prompt":"x","width":128,"height":128}""");
        using var different = await Send("""{"prompt":"y","width":128,"height":128}""");
        string id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!;
        Assert.Equal(id, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.StatusCode);
        Assert.Equal(0.997m, server.Balance(key)); // charged once
    }

    [Fact]
    public async Task Sync_call_past_its_deadline_is_504_cancelled_and_refunded()
    {
        await using var server = await TestServer.StartAsync(new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(300)), null, ("Jobs:SyncTimeout", "00:00:00.500"));
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        using var response = await http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"slow","width":128,"height":128,"steps":8}"""));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        string id = body.GetProperty("request_id").GetString()!;
        Assert.Equal("1", response.Headers.GetValues("x-remaining-credits").Single());
        Assert.Equal(1m, server.Balance(key));
        Assert.Equal("FAILED", (await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{id}/status")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Sync_client_that_disconnects_cancels_and_refunds_its_job()
    {
        await using var server = await TestServer.StartAsync(new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(250)));
        string key = server.CreateKey(1);
        var store = server.Services.GetRequiredService<FluxServe.Server.Jobs.JobStore>();
        using var http = server.Client(key);
        using var gone = new CancellationTokenSource();
        var call = http.PostAsync("/v1/flux-schnell", TestServer.Json("""{"prompt":"abandoned","width":128,"height":128,"steps":8}"""), gone.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.CountByState()[FluxServe.Server.Jobs.JobState.Processing] == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0.997m, server.Balance(key));
        await gone.CancelAsync(); // the client goes away while its job runs
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        while (store.CountByState()[FluxServe.Server.Jobs.JobState.Failed] == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var counts = store.CountByState();
        Assert.Equal((1L, 0L), (counts[FluxServe.Server.Jobs.JobState.Failed], counts[FluxServe.Server.Jobs.JobState.Completed]));
        Assert.Equal(1m, server.Balance(key));
    }

    [Fact]
    public async Task Jobs_with_the_same_settings_share_a_batch()
    {
        var generator = new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(100));
        await using var server = await TestServer.StartAsync(generator);
        using var http = server.Client(server.CreateKey(1));
        var ids = new List<string>();
        // The first job occupies the worker; the next three (same size, steps, sampler) wait and go together.
        foreach (string body in (string[])[
            """{"prompt":"first","width":128,"height":128,"steps":8}""",
            """{"prompt":"a","width":128,"height":128,"steps":2,"seed":1}""",
            """{"prompt":"b","width":128,"height":128,"steps":2,"seed":2}""",
            """{"prompt":"other size","width":256,"height":128,"steps":2}""",
            """{"prompt":"c","width":128,"height":128,"steps":2,"seed":3}"""])
        {
            ids.Add((await (await http.PostAsync("/v2/flux-schnell", TestServer.Json(body))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("request_id").GetString()!);
        }

        foreach (string id in ids)
        {
            Assert.Equal("COMPLETED", (await TestServer.WaitFinishedAsync(http, id)).GetProperty("status").GetString());
        }

        Assert.Equal([1, 3, 1], generator.BatchSizes);
        var c = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{ids[4]}");
        using var anonymous = new HttpClient();
        Assert.Equal(TestPatternGenerator.Pattern(128, 128, 3, 0, "c"), await anonymous.GetByteArrayAsync(c.GetProperty("output")[0].GetString()));
    }

    [Fact]
    public async Task Rate_limit_is_429_with_retry_after_and_reset_time()
    {
        await using var server = await TestServer.StartAsync(null, null, ("RateLimits:SubmitsPerWindow", "3"), ("RateLimits:Window", "00:00:30"));
        string key = server.CreateKey(1);
        using var http = server.Client(key);
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (int i = 0; i < 5; i++)
        {
            var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""));
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
        int retryAfter = int.Parse(limited!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 30);
        var resetAt = DateTimeOffset.Parse(limited.Headers.GetValues("x-rate-limit-reset-at-utc").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resetAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(31));
        Assert.Equal("0.991", limited.Headers.GetValues("x-remaining-credits").Single());
        Assert.Contains("Rate limit", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);

        // Another key has its own window; reads have their own policy.
        using var other = server.Client(server.CreateKey(1));
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync("/v2/flux-schnell", TestServer.Json("""{"prompt":"x","width":128,"height":128}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v2/requests/x/status")).StatusCode);
    }
}
