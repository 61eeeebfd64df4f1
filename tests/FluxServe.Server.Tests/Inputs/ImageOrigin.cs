using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FluxServe.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace FluxServe.Server.Tests.Inputs;

/// <summary>A real HTTP server on 127.0.0.2:P that serves a PNG, redirects and misbehaves, plus trap listeners on 127.0.0.1:P and
/// [::1]:P that never accept: a connection that reaches a trap sits in its backlog, where <see cref="AssertTrapsUntouched"/> finds it.</summary>
/// <remarks>Linux routes all of 127/8 to lo, so 127.0.0.2 is a distinct loopback address that tests allow by configuration.</remarks>
public sealed class ImageOrigin : IAsyncLifetime, IDisposable
{
    /// <summary>Bytes the endless route offers at most (it should be cut off long before).</summary>
    public const long EndlessTotal = 256L * 1024 * 1024;

    private WebApplication? _app;
    private TcpListener _streams = null!;

    public TcpListener Trap { get; private set; } = null!;

    /// <summary>The IPv6 loopback trap; null where the machine has no IPv6 loopback.</summary>
    public TcpListener? TrapV6 { get; private set; }

    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.2:P</c>.</summary>
    public string BaseUrl => $"http://127.0.0.2:{Port}";

    /// <summary>The raw streaming server on 127.0.0.2: <c>/endless?id=</c> (chunked) and <c>/declared-big?id=</c>.</summary>
    public string StreamUrl => $"http://127.0.0.2:{((IPEndPoint)_streams.LocalEndpoint).Port}";

    /// <summary>The served image: a 64x48 gradient.</summary>
    public byte[] Png { get; } = PngEncoder.Encode(64, 48, (x, y) => ((byte)(x * 4), (byte)(y * 5), (byte)(x ^ y)));

    public ConcurrentQueue<string> UserAgents { get; } = new();

    /// <summary>Per <c>?id=</c> of the streaming server: bytes written so far, and a task that ends when the handler has.</summary>
    public ConcurrentDictionary<string, StreamedBody> Streams { get; } = new();

    public async Task InitializeAsync()
    {
        for (int attempt = 0; ; attempt++)
        {
            Trap = new TcpListener(IPAddress.Loopback, 0);
            Trap.Start();
            Port = ((IPEndPoint)Trap.LocalEndpoint).Port;
            try
            {
                _app = BuildApp();
                await _app.StartAsync();
                break;
            }
            catch (IOException) when (attempt < 5)
            {
                // 127.0.0.2:P was taken: take another P.
                Trap.Dispose();
                if (_app is not null)
                {
                    await _app.DisposeAsync();
                }
            }
        }

        _streams = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        _streams.Start();
        _ = AcceptStreamsAsync();

        try
        {
            var v6 = new TcpListener(IPAddress.IPv6Loopback, Port);
            v6.Start();
            TrapV6 = v6;
        }
        catch (SocketException)
        {
            TrapV6 = null;
        }
    }

    public async Task DisposeAsync()
    {
        Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public void Dispose()
    {
        Trap.Dispose();
        TrapV6?.Dispose();
        _streams.Dispose();
    }

    /// <summary>Fails if any connection reached a trap since the last call (and clears them, so one failure does not leak into
    /// the next test).</summary>
    public void AssertTrapsUntouched()
    {
        int reached = Drain(Trap) + (TrapV6 is null ? 0 : Drain(TrapV6));
        Assert.True(reached == 0, $"{reached} connection(s) reached a loopback trap listener");
    }

    /// <summary>Clears the traps without judging (a failed earlier test may have left a connection there).</summary>
    public void ResetTraps()
    {
        Drain(Trap);
        if (TrapV6 is not null)
        {
            Drain(TrapV6);
        }
    }

    /// <summary>Connections waiting on <paramref name="listener"/>, accepted and closed.</summary>
    public static int Drain(TcpListener listener)
    {
        int count = 0;
        while (listener.Pending())
        {
            using var client = listener.AcceptTcpClient();
            count++;
        }

        return count;
    }

    private WebApplication BuildApp()
    {
        var builder = WebApplication.CreateSlimBuilder(["--Logging:LogLevel:Default", "Warning"]);
        builder.WebHost.UseUrls($"http://127.0.0.2:{Port}");
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            UserAgents.Enqueue(context.Request.Headers.UserAgent.ToString());
            await next(context);
        });
        app.MapGet("/image.png", () => Results.Bytes(Png, "image/png"));
        app.MapGet("/text", () => Results.Text("hello, this is not an image"));
        app.MapGet("/missing", () => Results.NotFound());
        app.MapGet("/no-location", () => Results.StatusCode(StatusCodes.Status302Found));
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/chain/{n:int}", (int n) => n > 0 ? Results.Redirect($"/chain/{n - 1}") : Results.Bytes(Png, "image/png"));
        return app;
    }

    /// <summary>Serves one raw-socket connection: a PNG signature followed by zeros, 64 KiB at a time, chunked (no
    /// Content-Length) for <c>/endless</c>, or under a Content-Length of <see cref="EndlessTotal"/> for <c>/declared-big</c>.</summary>
    /// <remarks>Raw sockets rather than Kestrel, whose writes after a client hang-up succeed as no-ops: here a write to a closed
    /// connection fails, so <see cref="StreamedBody.Written"/> is what really left before the client dropped it.</remarks>
    private async Task ServeStreamAsync(TcpClient client)
    {
        using (client)
        {
            var network = client.GetStream();
            string requestLine;
            using (var reader = new StreamReader(network, Encoding.ASCII, false, 1024, leaveOpen: true))
            {
                requestLine = await reader.ReadLineAsync() ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
                {
                }
            }

            // "GET /endless?id=name HTTP/1.1"
            string target = requestLine.Split(' ')[1];
            bool declared = target.StartsWith("/declared-big", StringComparison.Ordinal);
            string id = target[(target.IndexOf("id=", StringComparison.Ordinal) + 3)..];
            var progress = new StreamedBody();
            Streams[id] = progress;
            try
            {
                string head = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                    + (declared ? $"Content-Length: {EndlessTotal}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n";
                await network.WriteAsync(Encoding.ASCII.GetBytes(head));
                var chunk = new byte[64 * 1024];
                Png.AsSpan(0, 8).CopyTo(chunk);
                byte[] chunkHead = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n");
                while (progress.Written < EndlessTotal)
                {
                    if (!declared)
                    {
                        await network.WriteAsync(chunkHead);
                    }

                    await network.WriteAsync(chunk);
                    if (!declared)
                    {
                        await network.WriteAsync("\r\n"u8.ToArray());
                    }

                    progress.Add(chunk.Length);
                }
            }
            catch (IOException)
            {
                // The client hung up: what it was sent stays in progress.Written.
            }
            finally
            {
                progress.Finish();
            }
        }
    }

    private async Task AcceptStreamsAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _streams.AcceptTcpClientAsync();
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                return; // stopped
            }

            _ = Task.Run(() => ServeStreamAsync(client));
        }
    }
}
