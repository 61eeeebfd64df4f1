using System.Text.Json;
using FluxServe.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FluxServe.Server;

/// <summary>Builds the FluxServe HTTP application: configuration, middleware and routes.</summary>
public static class FluxServeApp
{
    /// <summary>Creates the web application from command-line arguments and the environment.</summary>
    /// <remarks>
    /// Configuration: <c>appsettings.json</c> beside the executable, then <c>FLUXSERVE__</c>-prefixed environment
    /// variables (e.g. <c>FLUXSERVE__Urls</c>), then command-line switches (<c>--urls</c>).
    /// </remarks>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables(prefix: "FLUXSERVE__");
        builder.Configuration.AddCommandLine(args);

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(WriteInternalError));
        app.UseStatusCodePages(WriteStatusCodeBody);

        app.MapGet("/healthz", () => Results.Json(new HealthResponse("ok"), ServerJsonContext.Default.HealthResponse));
        return app;
    }

    // 404/405 from routing carry no body by default; the contract wants a JSON sentence on every error.
    private static async Task WriteStatusCodeBody(StatusCodeContext context)
    {
        var response = context.HttpContext.Response;
        string message = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => $"No resource at {context.HttpContext.Request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"Method {context.HttpContext.Request.Method} is not allowed here.",
            _ => $"The request failed with status {response.StatusCode}.",
        };
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new ErrorResponse(message), ServerJsonContext.Default.ErrorResponse).ConfigureAwait(false);
    }

    // Never a stack trace in the body (API.md "Status codes"): the exception goes to the log only.
    private static async Task WriteInternalError(HttpContext context)
    {
        var feature = context.Features.Get<IExceptionHandlerFeature>();
        if (feature is not null)
        {
            ServerLog.UnhandledException(context.RequestServices.GetLogger(), context.TraceIdentifier, feature.Error);
        }

        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(
            context.Response.Body,
            new ErrorResponse($"Internal error; reference {context.TraceIdentifier}."),
            ServerJsonContext.Default.ErrorResponse).ConfigureAwait(false);
    }
}
