using System.Net;
using FluxServe.Client;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>The .NET client against a real server.</summary>
public sealed class ClientTests
{
    [Fact]
    public async Task Client_generates_submits_waits_cancels_and_maps_errors()
    {
        await using var server = await TestServer.StartAsync(new TestPatternGenerator(stepDelay: TimeSpan.FromMilliseconds(30), maxBatchItems: 1));
        using var http = server.Client();
        var client = new FluxServeClient(http, server.CreateKey(1));

        var image = await client.GenerateAsync("flux-schnell", new TextToImageRequest { Prompt = "p", Seed = 11, Width = 128, Height = 128 });
        Assert.Equal(TestPatternGenerator.Pattern(128, 128, 11, 0, "p"), image.Bytes);
        Assert.Equal((11UL, 0.997m), (image.Seed, image.RemainingCredits));

        var submitted = await client.SubmitAsync("flux-schnell", new TextToImageRequest { Prompt = "q", Seed = 12, Width = 128, Height = 128, Samples = 2 });
        var result = await client.WaitAsync(submitted.RequestId, TimeSpan.FromMilliseconds(20));
        Assert.Equal("COMPLETED", result.Status);
        Assert.Equal(TestPatternGenerator.Pattern(128, 128, 12, 1, "q"), await client.DownloadAsync(result.Output![1]));
        Assert.Equal(0.006m, result.Metrics!.Cost);

        var slow = await client.SubmitAsync("flux-schnell", new TextToImageRequest { Prompt = "slow", Width = 128, Height = 128, Steps = 8 });
        Assert.True(await client.CancelAsync(slow.RequestId));
        Assert.False(await client.CancelAsync(slow.RequestId));
        var cancelled = await client.GetResultAsync(slow.RequestId);
        Assert.Equal("FAILED", cancelled.Status);
        Assert.Contains("cancelled", cancelled.Error, StringComparison.Ordinal);

        var invalid = await Assert.ThrowsAsync<FluxServeException>(() => client.SubmitAsync("flux-schnell", new TextToImageRequest { Prompt = "x", Steps = 20 }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("steps", invalid.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<FluxServeException>(() => client.GetStatusAsync("nope"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var noKey = await Assert.ThrowsAsync<FluxServeException>(() => new FluxServeClient(http).GetStatusAsync("nope"));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }
}
