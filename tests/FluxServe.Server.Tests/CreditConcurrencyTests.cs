using System.Net;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>Credits never go below zero under concurrency (API.md "Auth, credits, limits").</summary>
public sealed class CreditConcurrencyTests
{
    [Fact]
    public async Task Sixty_four_concurrent_submits_with_credits_for_ten_accept_exactly_ten()
    {
        // Slow steps keep every accepted job in the store while the others race for the balance.
        await using var server = await TestServer.StartAsync(new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(50)), null,
            ("RateLimits:SubmitsPerWindow", "1000"), ("Prices:flux-schnell:PerImage", "1"));
        string key = server.CreateKey(10);
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, 64).Select(async i =>
        {
            using var http = server.Client(key);
            await start.WaitAsync();
            using var response = await http.PostAsync("/v2/flux-schnell", TestServer.Json($$"""{"prompt":"p{{i}}","width":128,"height":128}"""));
            string remaining = response.Headers.GetValues("x-remaining-credits").Single();
            Assert.True(decimal.Parse(remaining, System.Globalization.CultureInfo.InvariantCulture) >= 0, "balance never negative in any answer");
            return response.StatusCode;
        }).ToList();
        start.Release(64);
        var codes = await Task.WhenAll(tasks);

        Assert.Equal(10, codes.Count(c => c == HttpStatusCode.OK));
        Assert.Equal(54, codes.Count(c => c == HttpStatusCode.NotAcceptable));
        Assert.Equal(0m, server.Balance(key));
    }
}
