using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FluxServe.Server.Tests;

/// <summary>Completion webhooks reach a loopback receiver, signed, and are retried after a failure.</summary>
public sealed class WebhookTests
{
    [Fact]
    public async Task Webhook_is_signed_retried_and_carries_the_result()
    {
        var received = new ConcurrentQueue<(byte[] Body, string? Signature, string? Attempt)>();
        int calls = 0;
        var receiver = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]).Build();
        receiver.MapPost("/hook", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            received.Enqueue((buffer.ToArray(), context.Request.Headers[WebhookSignature.HeaderName], context.Request.Headers["X-FluxServe-Delivery-Attempt"]));
            // The first delivery fails: the dispatcher must try again.
            return Interlocked.Increment(ref calls) == 1 ? Results.StatusCode(500) : Results.Ok();
        });
        await receiver.StartAsync();
        try
        {
            await using var server = await TestServer.StartAsync(null, null, ("Webhooks:FirstRetryDelay", "00:00:00.200"));
            var created = server.Accounts.CreateKey("hooks", Credits.ToMicro(1), null);
            using var http = server.Client(created.Key);
            string hook = receiver.Urls.First() + "/hook";
            var submitted = await (await http.PostAsync("/v2/flux-schnell", TestServer.Json($$"""{"prompt":"x","width":128,"height":128,"webhook_url":"{{hook}}"}"""))).Content.ReadFromJsonAsync<JsonElement>();
            string id = submitted.GetProperty("request_id").GetString()!;

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (received.Count < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            var deliveries = received.ToArray();
            Assert.Equal(2, deliveries.Length);
            Assert.Equal(["1", "2"], deliveries.Select(d => d.Attempt));
            foreach (var (body, signature, _) in deliveries)
            {
                Assert.True(WebhookSignature.Verify(created.WebhookSecret, body, signature), "HMAC-SHA256 of the body with the account's secret");
                Assert.False(WebhookSignature.Verify("another secret", body, signature));
                using var json = JsonDocument.Parse(body);
                Assert.Equal(id, json.RootElement.GetProperty("request_id").GetString());
                Assert.Equal("COMPLETED", json.RootElement.GetProperty("status").GetString());
                Assert.Equal(1, json.RootElement.GetProperty("output").GetArrayLength());
            }

            await Task.Delay(600);
            Assert.Equal(2, received.Count); // delivered: no further tries
        }
        finally
        {
            await receiver.StopAsync();
            await receiver.DisposeAsync();
        }
    }
}
