using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluxServe.Server.Tests.Infrastructure;
using FluxServe.Testing;

namespace FluxServe.Server.Tests.Playground;

/// <summary>The playground's files over real HTTP: no key, the right types, the Content-Security-Policy, caching.</summary>
public sealed partial class PlaygroundEndpointTests
{
    private static string SourceFile(string file) => Path.Combine(FixturePaths.RepositoryRoot, "src", "FluxServe.Server", "Playground", file);

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d[(d.Split(' ')[0].Length)..].Trim());

    [Fact]
    public async Task Page_loads_without_a_key_as_html_under_a_strict_content_security_policy()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        using var response = await http.GetAsync("/playground");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.False(response.Headers.Contains("x-remaining-credits")); // no key was looked at
        var policy = Directives(Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("'self'", policy["default-src"]);
        Assert.Equal("'self'", policy["script-src"]);
        Assert.Equal("'self'", policy["style-src"]);
        Assert.Equal("'self'", policy["connect-src"]);
        Assert.Equal(["'self'", "blob:", "data:"], policy["img-src"].Split(' ').Order(StringComparer.Ordinal));
        Assert.Equal("'none'", policy["form-action"]);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.DoesNotContain("unsafe", string.Join(' ', policy.Values), StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));

        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(SourceFile("index.html")), body);
    }

    [Fact]
    public async Task Page_has_no_inline_script_style_or_handler_so_the_policy_needs_no_unsafe_inline()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        string html = await http.GetStringAsync("/playground");

        var scripts = ScriptElement().Matches(html);
        var script = Assert.Single(scripts);
        Assert.Equal("playground/app.js", script.Groups["src"].Value);
        Assert.Equal("", script.Groups["body"].Value.Trim());
        Assert.Contains("""<link rel="stylesheet" href="playground/app.css">""", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(InlineAttribute(), html);
        Assert.DoesNotMatch(ExternalReference(), html);

        // The script builds the form with DOM calls: no inline style or handler there either, and no console output.
        string js = await http.GetStringAsync("/playground/app.js");
        Assert.DoesNotContain("console.", js, StringComparison.Ordinal);
        Assert.DoesNotContain("localStorage", js, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", js, StringComparison.Ordinal);
        Assert.DoesNotContain("setAttribute('style'", js, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", js, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", js, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/playground/app.js", "text/javascript", "app.js")]
    [InlineData("/playground/app.css", "text/css", "app.css")]
    public async Task Script_and_style_sheet_are_served_with_their_types_without_a_key(string path, string mediaType, string file)
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(await File.ReadAllBytesAsync(SourceFile(file)), await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/playground")]
    [InlineData("/playground/app.js")]
    [InlineData("/playground/app.css")]
    public async Task An_unchanged_file_is_revalidated_with_its_etag_as_304(string path)
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        using var first = await http.GetAsync(path);
        Assert.Contains("no-cache", first.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var tag = first.Headers.ETag;
        Assert.NotNull(tag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(tag);
        using var revalidated = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.IfNoneMatch.ParseAdd("\"0123\"");
        using var full = await http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
    }

    [Fact]
    public async Task A_trailing_slash_redirects_to_the_page_its_relative_links_are_written_for()
    {
        await using var server = await TestServer.StartAsync();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        using var response = await http.GetAsync("/playground/");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/playground", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Post_to_the_page_is_405_allowing_get()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        using var response = await http.PostAsync("/playground", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_playground_as_needing_no_key()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Client();
        var doc = await http.GetFromJsonAsync<JsonElement>("/openapi.json");
        var get = doc.GetProperty("paths").GetProperty("/playground").GetProperty("get");
        Assert.Equal(0, get.GetProperty("security").GetArrayLength());
    }

    [GeneratedRegex("""<script\b(?<attributes>[^>]*?)\bsrc="(?<src>[^"]*)"[^>]*>(?<body>.*?)</script>|<script\b[^>]*>""", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ScriptElement();

    // style="…" or onclick="…" and the like would need 'unsafe-inline' (or a hash per attribute).
    [GeneratedRegex("""\s(style|on[a-z]+)\s*=""", RegexOptions.IgnoreCase)]
    private static partial Regex InlineAttribute();

    // Nothing from another host: the machine may be offline.
    [GeneratedRegex("""(src|href)\s*=\s*"(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
