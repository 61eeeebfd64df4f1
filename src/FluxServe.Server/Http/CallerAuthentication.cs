using System.Text.Json;
using FluxServe.Server.Accounts;
using Microsoft.AspNetCore.Http;

namespace FluxServe.Server.Http;

/// <summary>Resolves the API key of routes marked <see cref="RequiresApiKey"/> (401 when missing or unknown) and adds
/// <c>x-remaining-credits</c> to every answer of an authenticated call.</summary>
/// <remarks>Runs after routing, so unknown URLs stay 404 and wrong methods 405, and before rate limiting, which partitions by key.</remarks>
public sealed class CallerAuthentication
{
    private readonly RequestDelegate _next;
    private readonly AccountStore _accounts;

    public CallerAuthentication(RequestDelegate next, AccountStore accounts)
    {
        _next = next;
        _accounts = accounts;
    }

    public static Caller GetCaller(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[typeof(Caller)] as Caller
            ?? throw new InvalidOperationException("The route was not marked RequiresApiKey.");
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequiresApiKey>() is null)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        var caller = _accounts.Authenticate(PresentedKey(context.Request));
        if (caller is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            context.Response.ContentType = "application/json";
            string message = PresentedKey(context.Request) is null
                ? "Missing API key; send it in the x-api-key header."
                : "Unknown or revoked API key.";
            await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorResponse(message), ServerJsonContext.Default.ErrorResponse,
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Items[typeof(Caller)] = caller;
        context.Response.OnStarting(static state =>
        {
            var (context, accounts, caller) = ((HttpContext, AccountStore, Caller))state;
            context.Response.Headers["x-remaining-credits"] = Credits.Format(accounts.Balance(caller.AccountId));
            return Task.CompletedTask;
        }, (context, _accounts, caller));
        await _next(context).ConfigureAwait(false);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        string? key = request.Headers["x-api-key"];
        if (!string.IsNullOrWhiteSpace(key))
        {
            return key.Trim();
        }

        string? authorization = request.Headers.Authorization;
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }

        return null;
    }
}
