using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluxServe.Server.Configuration;
using FluxServe.Server.Inputs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Tests.Inputs;

/// <summary><see cref="SafeImageFetcher"/> over real sockets: an allowed origin on 127.0.0.2, trap listeners on 127.0.0.1 and ::1
/// at the same port, so a guard that let a refused address through would be caught by the trap as well as by the reason.</summary>
public sealed class SafeImageFetcherTests : IClassFixture<ImageOrigin>
{
    private const int MaxBytes = 1024 * 1024;
    private readonly ImageOrigin _origin;

    public SafeImageFetcherTests(ImageOrigin origin)
    {
        _origin = origin;
        _origin.ResetTraps();
    }

    [Fact]
    public async Task Url_on_an_allowed_address_returns_the_served_png()
    {
        using var fetcher = Fetcher();
        byte[] bytes = await fetcher.FetchAsync($"{_origin.BaseUrl}/image.png", CancellationToken.None);
        Assert.Equal(_origin.Png, bytes);
        Assert.Contains("FluxServe", _origin.UserAgents);
        _origin.AssertTrapsUntouched();
    }

    [Theory]
    [InlineData("data:image/png;base64,")]
    [InlineData("data:;base64,")]
    [InlineData("DATA:image/png;name=a.png;BASE64,")]
    public async Task Data_uri_returns_the_encoded_bytes(string prefix)
    {
        using var fetcher = Fetcher();
        byte[] bytes = await fetcher.FetchAsync(prefix + Convert.ToBase64String(_origin.Png), CancellationToken.None);
        Assert.Equal(_origin.Png, bytes);
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("url-safe unpadded")]
    [InlineData("mime lines")]
    public async Task Raw_base64_returns_the_encoded_bytes(string form)
    {
        string standard = Convert.ToBase64String(_origin.Png);
        string value = form switch
        {
            "standard" => standard,
            "url-safe unpadded" => standard.Replace('+', '-').Replace('/', '_').TrimEnd('='),
            _ => "  " + Convert.ToBase64String(_origin.Png, Base64FormattingOptions.InsertLineBreaks) + "\n",
        };
        Assert.True(form != "url-safe unpadded" || value.Contains('-') || value.Contains('_'), "the fixture exercises the URL-safe alphabet");
        using var fetcher = Fetcher();
        Assert.Equal(_origin.Png, await fetcher.FetchAsync(value, CancellationToken.None));
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/image.png")]
    [InlineData("http://localhost:{port}/image.png")]
    [InlineData("http://[::1]:{port}/image.png")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/image.png")]
    [InlineData("http://2130706433:{port}/image.png")]
    [InlineData("http://0x7f000001:{port}/image.png")]
    [InlineData("http://127.1:{port}/image.png")]
    [InlineData("http://0.0.0.0:{port}/image.png")]
    [InlineData("http://[::]:{port}/image.png")]
    [InlineData("https://127.0.0.1:{port}/image.png")]
    public async Task Loopback_urls_are_refused_without_opening_a_socket(string template)
    {
        using var fetcher = Fetcher();
        var refusal = await Refused(fetcher, template.Replace("{port}", _origin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(InputImageReason.Address, refusal.Reason);
        Assert.StartsWith("redux_image points to ", refusal.Message);
        _origin.AssertTrapsUntouched();
    }

    [Theory]
    [InlineData("http://10.0.0.1/a.png")]
    [InlineData("http://192.168.1.1/a.png")]
    [InlineData("http://172.16.0.1/a.png")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/a.png")]
    [InlineData("http://224.0.0.1/a.png")]
    [InlineData("http://255.255.255.255/a.png")]
    [InlineData("http://[fd00::1]/a.png")]
    [InlineData("http://[fe80::1]/a.png")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/a.png")]
    [InlineData("http://2852039166/latest/meta-data/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://METADATA.Google.Internal./computeMetadata/v1/")]
    public async Task Private_link_local_and_metadata_urls_are_refused_at_once(string url)
    {
        using var fetcher = Fetcher(timeout: TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        var refusal = await Refused(fetcher, url);
        Assert.Equal(InputImageReason.Address, refusal.Reason);
        // A connect attempt to these unrouted addresses would hang until the timeout.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refused after {clock.Elapsed}");
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("FILE:///etc/passwd")]
    [InlineData("ftp://x/")]
    [InlineData("gopher://127.0.0.1:70/_x")]
    [InlineData("javascript:alert(1)")]
    [InlineData("C:\\Windows\\win.ini")]
    public async Task Other_schemes_are_refused(string value)
    {
        using var fetcher = Fetcher();
        var refusal = await Refused(fetcher, value);
        Assert.Equal(InputImageReason.Scheme, refusal.Reason);
        Assert.Contains("redux_image", refusal.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/image.png")]
    [InlineData("http://[::1]:{port}/image.png")]
    [InlineData("http://localhost:{port}/image.png")]
    [InlineData("//127.0.0.1:{port}/image.png")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("file:///etc/passwd")]
    public async Task Redirect_from_an_allowed_origin_to_a_refused_target_is_refused(string target)
    {
        using var fetcher = Fetcher();
        string to = Uri.EscapeDataString(target.Replace("{port}", _origin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var refusal = await Refused(fetcher, $"{_origin.BaseUrl}/redirect?to={to}");
        Assert.Equal(InputImageReason.Redirect, refusal.Reason);
        Assert.StartsWith("redux_image was redirected to ", refusal.Message);
        _origin.AssertTrapsUntouched();
    }

    [Fact]
    public async Task Redirects_up_to_the_limit_are_followed_and_one_more_is_refused()
    {
        using var fetcher = Fetcher(maxRedirects: 3);
        Assert.Equal(_origin.Png, await fetcher.FetchAsync($"{_origin.BaseUrl}/chain/3", CancellationToken.None));
        var refusal = await Refused(fetcher, $"{_origin.BaseUrl}/chain/4");
        Assert.Equal(InputImageReason.Redirect, refusal.Reason);
        Assert.Contains("more than 3", refusal.Message);

        using var none = Fetcher(maxRedirects: 0);
        var noRedirects = await Refused(none, $"{_origin.BaseUrl}/chain/1");
        Assert.Equal(InputImageReason.Redirect, noRedirects.Reason);
        Assert.Equal("redux_image was redirected, and this server follows no redirects.", noRedirects.Message);
    }

    [Fact]
    public async Task Redirect_without_a_location_is_an_http_status_refusal()
    {
        using var fetcher = Fetcher();
        var refusal = await Refused(fetcher, $"{_origin.BaseUrl}/no-location");
        Assert.Equal(InputImageReason.HttpStatus, refusal.Reason);
        Assert.Contains("302", refusal.Message);
    }

    [Fact]
    public async Task Chunked_body_over_the_cap_is_refused_and_the_download_stops_early()
    {
        using var fetcher = Fetcher(timeout: TimeSpan.FromSeconds(20));
        var clock = Stopwatch.StartNew();
        var refusal = await Refused(fetcher, $"{_origin.StreamUrl}/endless?id=chunked");
        Assert.Equal(InputImageReason.TooLarge, refusal.Reason);
        Assert.Contains("1 MiB", refusal.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refused after {clock.Elapsed}");

        var body = _origin.Streams["chunked"];
        await body.Finished.WaitAsync(TimeSpan.FromSeconds(10));
        // Past the cap the connection is dropped: the server gets no further than what socket buffers absorb.
        Assert.True(body.Written < 32L * 1024 * 1024, $"the server wrote {body.Written} bytes");
        Assert.True(body.Written > MaxBytes, "the cap was reached by streaming, not refused up front");
    }

    [Fact]
    public async Task Declared_length_over_the_cap_is_refused_before_the_body()
    {
        using var fetcher = Fetcher(timeout: TimeSpan.FromSeconds(20));
        var refusal = await Refused(fetcher, $"{_origin.StreamUrl}/declared-big?id=declared");
        Assert.Equal(InputImageReason.TooLarge, refusal.Reason);
        var body = _origin.Streams["declared"];
        await body.Finished.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(body.Written < 32L * 1024 * 1024, $"the server wrote {body.Written} bytes");
    }

    [Fact]
    public async Task Server_that_never_answers_is_a_timeout_refusal_after_the_configured_time()
    {
        var silent = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        silent.Start();
        try
        {
            int port = ((IPEndPoint)silent.LocalEndpoint).Port;
            using var fetcher = Fetcher(timeout: TimeSpan.FromSeconds(1));
            var clock = Stopwatch.StartNew();
            var refusal = await Refused(fetcher, $"http://127.0.0.2:{port}/image.png");
            Assert.Equal(InputImageReason.Timeout, refusal.Reason);
            Assert.Contains("1 seconds", refusal.Message);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 3.0);
            Assert.Equal(1, ImageOrigin.Drain(silent));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Caller_cancellation_is_not_turned_into_a_refusal()
    {
        var silent = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        silent.Start();
        try
        {
            int port = ((IPEndPoint)silent.LocalEndpoint).Port;
            using var fetcher = Fetcher(timeout: TimeSpan.FromSeconds(30));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetcher.FetchAsync($"http://127.0.0.2:{port}/image.png", cancel.Token));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Body_that_is_not_an_image_is_refused()
    {
        using var fetcher = Fetcher();
        Assert.Equal(InputImageReason.NotAnImage, (await Refused(fetcher, $"{_origin.BaseUrl}/text")).Reason);
        Assert.Equal(InputImageReason.NotAnImage, (await Refused(fetcher, Convert.ToBase64String("GIF89a not accepted"u8.ToArray()))).Reason);
    }

    [Fact]
    public async Task Not_found_is_an_http_status_refusal_naming_the_code()
    {
        using var fetcher = Fetcher();
        var refusal = await Refused(fetcher, $"{_origin.BaseUrl}/missing");
        Assert.Equal(InputImageReason.HttpStatus, refusal.Reason);
        Assert.Contains("404", refusal.Message);
    }

    [Theory]
    [InlineData("this is not base64!")]
    [InlineData("iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB=AAA")]
    [InlineData("AAAAA")]
    [InlineData("data:image/png;base64,@@@@")]
    [InlineData("data:image/png,rawbytes")]
    [InlineData("data:image/png;base64")]
    public async Task Bad_base64_is_refused(string value)
    {
        using var fetcher = Fetcher();
        var refusal = await Refused(fetcher, value);
        Assert.Equal(InputImageReason.Base64, refusal.Reason);
        Assert.DoesNotContain(value, refusal.Message);
    }

    [Fact]
    public async Task Base64_over_the_cap_is_refused_and_at_the_cap_is_accepted()
    {
        byte[] atCap = new byte[MaxBytes];
        _origin.Png.AsSpan(0, 8).CopyTo(atCap);
        using var fetcher = Fetcher();
        Assert.Equal(atCap, await fetcher.FetchAsync(Convert.ToBase64String(atCap), CancellationToken.None));

        byte[] over = new byte[MaxBytes + 1];
        _origin.Png.AsSpan(0, 8).CopyTo(over);
        Assert.Equal(InputImageReason.TooLarge, (await Refused(fetcher, Convert.ToBase64String(over))).Reason);
        Assert.Equal(InputImageReason.TooLarge, (await Refused(fetcher, "data:image/png;base64," + Convert.ToBase64String(over))).Reason);
    }

    [Fact]
    public async Task Messages_carry_neither_credentials_nor_query_nor_path()
    {
        using var fetcher = Fetcher();
        var refusal = await Refused(fetcher, "http://alice:s3cret@10.0.0.1:8080/private/x.png?token=t0ken");
        Assert.Equal("redux_image points to http://10.0.0.1:8080, a private address, which this server does not fetch from.", refusal.Message);

        string to = Uri.EscapeDataString($"http://bob:hunter2@127.0.0.1:{_origin.Port}/x?sig=abc");
        var redirected = await Refused(fetcher, $"{_origin.BaseUrl}/redirect?to={to}");
        Assert.DoesNotContain("hunter2", redirected.Message);
        Assert.DoesNotContain("sig=", redirected.Message);
        _origin.AssertTrapsUntouched();
    }

    [Fact]
    public async Task Field_name_is_the_one_given()
    {
        using var fetcher = Fetcher();
        var refusal = await Assert.ThrowsAsync<InputImageException>(() => fetcher.FetchAsync("ftp://x/", "image", CancellationToken.None));
        Assert.Equal("image", refusal.Field);
        Assert.StartsWith("image ", refusal.Message);
        Assert.Equal(new Catalog.FieldError("image", "scheme", refusal.Message), refusal.ToFieldError());
    }

    /// <summary>The trap works: once 127.0.0.1 is allowed, the same URL that is refused above does reach it.</summary>
    [Fact]
    public async Task Allowing_loopback_lets_the_connection_reach_the_trap()
    {
        using var fetcher = Fetcher(timeout: TimeSpan.FromSeconds(1), allowed: ["127.0.0.2", "127.0.0.1/32"]);
        var refusal = await Refused(fetcher, $"http://127.0.0.1:{_origin.Port}/image.png");
        Assert.Equal(InputImageReason.Timeout, refusal.Reason); // the trap never answers
        Assert.Equal(1, ImageOrigin.Drain(_origin.Trap));
    }

    [Fact]
    public async Task Host_resolving_to_refused_and_allowed_addresses_connects_only_to_the_allowed_one()
    {
        using var fetcher = Fetcher(resolve: (_, _) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.Parse("127.0.0.2") }));
        Assert.Equal(_origin.Png, await fetcher.FetchAsync($"http://images.test:{_origin.Port}/image.png", CancellationToken.None));
        _origin.AssertTrapsUntouched();
    }

    [Fact]
    public async Task Host_resolving_only_to_refused_addresses_is_refused_without_naming_them()
    {
        using var fetcher = Fetcher(resolve: (_, _) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.Parse("10.1.2.3") }));
        var refusal = await Refused(fetcher, $"http://intranet.test:{_origin.Port}/image.png");
        Assert.Equal(InputImageReason.Address, refusal.Reason);
        Assert.Contains("loopback", refusal.Message);
        Assert.Contains("private", refusal.Message);
        Assert.DoesNotContain("10.1.2.3", refusal.Message);
        _origin.AssertTrapsUntouched();
    }

    /// <summary>DNS rebinding: the first answer is allowed, every later one is loopback. A guard that checked one resolution and let
    /// the connection resolve again would land on the trap.</summary>
    [Fact]
    public async Task Host_is_resolved_once_and_connected_to_the_checked_address()
    {
        int calls = 0;
        using var fetcher = Fetcher(resolve: (_, _) => Task.FromResult(Interlocked.Increment(ref calls) == 1
            ? new[] { IPAddress.Parse("127.0.0.2") }
            : new[] { IPAddress.Loopback }));
        Assert.Equal(_origin.Png, await fetcher.FetchAsync($"http://rebind.test:{_origin.Port}/image.png", CancellationToken.None));
        Assert.Equal(1, calls);
        _origin.AssertTrapsUntouched();
    }

    [Fact]
    public async Task Metadata_host_names_are_refused_before_resolution()
    {
        int calls = 0;
        using var fetcher = Fetcher(resolve: (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new[] { IPAddress.Parse("127.0.0.2") });
        });
        Assert.Equal(InputImageReason.Address, (await Refused(fetcher, $"http://metadata.google.internal:{_origin.Port}/image.png")).Reason);
        Assert.Equal(InputImageReason.Address, (await Refused(fetcher, $"http://instance-data:{_origin.Port}/image.png")).Reason);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task Unresolvable_host_is_unreachable()
    {
        using var fetcher = Fetcher(resolve: (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));
        var refusal = await Refused(fetcher, "http://nowhere.test/image.png");
        Assert.Equal(InputImageReason.Unreachable, refusal.Reason);
        Assert.Contains("could not be resolved", refusal.Message);
    }

    [Fact]
    public async Task Closed_port_on_an_allowed_address_is_unreachable()
    {
        var probe = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var fetcher = Fetcher();
        Assert.Equal(InputImageReason.Unreachable, (await Refused(fetcher, $"http://127.0.0.2:{port}/image.png")).Reason);
    }

    [Fact]
    public void Options_out_of_range_are_refused_at_construction()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SafeImageFetcher(Options.Create(new InputOptions { MaxImageBytes = 0 }), NullLogger<SafeImageFetcher>.Instance));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SafeImageFetcher(Options.Create(new InputOptions { FetchTimeout = TimeSpan.Zero }), NullLogger<SafeImageFetcher>.Instance));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SafeImageFetcher(Options.Create(new InputOptions { MaxRedirects = -1 }), NullLogger<SafeImageFetcher>.Instance));
        var badList = new InputOptions();
        badList.AllowedAddresses.Add("intranet");
        Assert.Throws<ArgumentException>(() => new SafeImageFetcher(Options.Create(badList), NullLogger<SafeImageFetcher>.Instance));
    }

    private static async Task<InputImageException> Refused(SafeImageFetcher fetcher, string value) =>
        await Assert.ThrowsAsync<InputImageException>(() => fetcher.FetchAsync(value, CancellationToken.None));

    private static SafeImageFetcher Fetcher(TimeSpan? timeout = null, int maxRedirects = 3, string[]? allowed = null,
        Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        var options = new InputOptions { MaxImageBytes = MaxBytes, FetchTimeout = timeout ?? TimeSpan.FromSeconds(5), MaxRedirects = maxRedirects };
        foreach (string entry in allowed ?? ["127.0.0.2"])
        {
            options.AllowedAddresses.Add(entry);
        }

        return resolve is null
            ? new SafeImageFetcher(Options.Create(options), NullLogger<SafeImageFetcher>.Instance)
            : new SafeImageFetcher(options, NullLogger.Instance, resolve);
    }
}
