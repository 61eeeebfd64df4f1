using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace FluxServe.Server.Playground;

/// <summary>
/// The playground page (<c>GET /playground</c>) and its script and style sheet, served from resources embedded in the
/// assembly. No key is needed to load them; the page calls the API with the key its user types (docs/playground.md).
/// </summary>
public static class PlaygroundEndpoints
{
    /// <summary>
    /// Only this origin's scripts, styles and connections (the script and style sheet are files, never inline);
    /// images also from <c>data:</c> and <c>blob:</c> (the preview of a chosen input file). <c>form-action 'none'</c>
    /// keeps a form from ever being submitted as a URL, so a typed key cannot end up in one even without the script.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapPlayground(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var page = PlaygroundAsset.Load("index.html", "text/html; charset=utf-8");
        var script = PlaygroundAsset.Load("app.js", "text/javascript; charset=utf-8");
        var style = PlaygroundAsset.Load("app.css", "text/css; charset=utf-8");
        routes.MapGet("/playground", (HttpContext context) =>
        {
            // Routing matches "/playground/" too; the page's links are relative to "/playground", so send it there.
            if (context.Request.Path.Value?.EndsWith('/') == true)
            {
                return Results.Redirect($"{context.Request.PathBase}/playground", permanent: true);
            }

            return Serve(context, page);
        });
        routes.MapGet("/playground/app.js", (HttpContext context) => Serve(context, script));
        routes.MapGet("/playground/app.css", (HttpContext context) => Serve(context, style));
        return routes;
    }

    private static IResult Serve(HttpContext context, PlaygroundAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidated on every load (the ETag makes that a 304), so a new server version is picked up at once.
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: asset.ETag);
    }

    /// <summary>One embedded file, read once.</summary>
    private sealed record PlaygroundAsset(byte[] Content, string ContentType, EntityTagHeaderValue ETag)
    {
        public static PlaygroundAsset Load(string file, string contentType)
        {
            // The csproj embeds Playground/* under the logical name "playground/{file}".
            string name = "playground/" + file;
            using var stream = typeof(PlaygroundEndpoints).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"The playground resource {name} is missing from {typeof(PlaygroundEndpoints).Assembly.GetName().Name}; check the EmbeddedResource item of FluxServe.Server.csproj.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] content = buffer.ToArray();
            string tag = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16));
            return new PlaygroundAsset(content, contentType, new EntityTagHeaderValue($"\"{tag}\""));
        }
    }
}
