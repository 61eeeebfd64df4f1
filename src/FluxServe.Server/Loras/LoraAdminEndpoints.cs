using System.Globalization;
using System.Text;
using FluxServe.Server.Accounts;
using FluxServe.Server.Configuration;
using FluxServe.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FluxServe.Server.Loras;

/// <summary>
/// <c>/admin/loras</c>: register (multipart upload), list, show and remove LoRA endpoints. Admin keys only
/// (<c>fluxserve keys create --admin</c>); any other key gets 403.
/// </summary>
public static class LoraAdminEndpoints
{
    // Room for the form's text fields and part headers beside a file of Loras:MaxFileBytes.
    private const long MultipartAllowance = 1 << 20;
    private const int MaxFieldBytes = 4096;

    public static IEndpointRouteBuilder MapLoraAdminEndpoints(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/admin/loras").WithMetadata(RequiresApiKey.Instance);
        admin.MapPost("", (Func<HttpContext, Task<IResult>>)RegisterAsync); // a Delegate, so the IResult is written
        admin.MapGet("", List);
        admin.MapGet("/{endpoint}", Get);
        admin.MapDelete("/{endpoint}", Remove);
        return routes;
    }

    /// <summary>
    /// <c>POST /admin/loras</c>, multipart/form-data: <c>name</c>, <c>file</c> (the .safetensors), optional
    /// <c>trigger</c> and <c>account</c> (default: the caller's). The file is streamed to disk, never held in memory.
    /// </summary>
    private static async Task<IResult> RegisterAsync(HttpContext context)
    {
        if (RefuseNonAdmin(context) is { } refused)
        {
            return refused;
        }

        var options = context.RequestServices.GetRequiredService<IOptions<LoraOptions>>().Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = options.MaxFileBytes + MultipartAllowance;
        }

        string boundary = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).ToString()
            : "";
        if (boundary.Length == 0)
        {
            return FieldError(StatusCodes.Status400BadRequest, "file",
                "The body must be multipart/form-data with the fields name and file (the .safetensors), and optionally trigger and account.");
        }

        var store = context.RequestServices.GetRequiredService<LoraStore>();
        var accounts = context.RequestServices.GetRequiredService<AccountStore>();
        var cancellation = context.RequestAborted;
        string? name = null;
        string? trigger = null;
        long account = CallerAuthentication.GetCaller(context).AccountId;
        LoraStagedFile? staged = null;
        try
        {
            var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null };
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(cancellation).ConfigureAwait(false)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                string field = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                if (field == "file")
                {
                    if (staged is not null)
                    {
                        return FieldError(StatusCodes.Status400BadRequest, "file", "Send one file per registration.");
                    }

                    string fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
                    staged = await store.StageAsync(section.Body, fileName.Length == 0 ? "the uploaded file" : Path.GetFileName(fileName),
                        options.MaxFileBytes, cancellation).ConfigureAwait(false);
                    continue;
                }

                if (field is not ("name" or "trigger" or "account"))
                {
                    continue; // unknown fields are ignored, as the JSON API ignores unknown parameters
                }

                string? value = await ReadFieldAsync(section.Body, cancellation).ConfigureAwait(false);
                if (value is null)
                {
                    return FieldError(StatusCodes.Status400BadRequest, field, $"{field} must be at most {MaxFieldBytes} bytes.");
                }

                switch (field)
                {
                    // Checked as soon as they arrive, so a bad name or account does not wait for a large file.
                    case "name":
                        if (!LoraEndpointName.IsValidName(value))
                        {
                            return FieldError(StatusCodes.Status400BadRequest, "name",
                                $"name '{value}' is not a valid LoRA name: it must be {LoraEndpointName.NameRule}.");
                        }

                        name = value;
                        break;
                    case "trigger":
                        trigger = value;
                        break;
                    default:
                        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out account))
                        {
                            return FieldError(StatusCodes.Status400BadRequest, "account", $"account must be an account number; got '{value}'.");
                        }

                        if (!accounts.AccountExists(account))
                        {
                            return FieldError(StatusCodes.Status404NotFound, "account", $"No account {account.ToString(CultureInfo.InvariantCulture)}.");
                        }

                        break;
                }
            }

            if (name is null)
            {
                return FieldError(StatusCodes.Status400BadRequest, "name", $"name is required: {LoraEndpointName.NameRule}.");
            }

            if (staged is null)
            {
                return FieldError(StatusCodes.Status400BadRequest, "file", "file is required: the LoRA .safetensors as a multipart file field.");
            }

            var record = store.Register(name, staged, account, trigger);
            context.Response.Headers.Location = $"/admin/loras/{record.EndpointName}";
            return Results.Json(LoraAnswer.From(record), LoraJsonContext.Default.LoraAnswer, statusCode: StatusCodes.Status201Created);
        }
        catch (LoraRegistrationException refusal)
        {
            int status = refusal.Reason switch
            {
                LoraRefusal.UnknownAccount => StatusCodes.Status404NotFound,
                LoraRefusal.TooLarge => StatusCodes.Status413PayloadTooLarge,
                _ => StatusCodes.Status400BadRequest,
            };
            return FieldError(status, refusal.Field, refusal.Message);
        }
        catch (BadHttpRequestException badBody)
        {
            // Kestrel's own limits (body size, malformed chunking) are the client's doing, not an internal error.
            return FieldError(badBody.StatusCode, "file", $"The request body could not be read: {badBody.Message}");
        }
        catch (InvalidDataException malformed)
        {
            return FieldError(StatusCodes.Status400BadRequest, "file", $"The multipart body is malformed: {malformed.Message}");
        }
        catch (Exception gone) when (gone is IOException or OperationCanceledException && cancellation.IsCancellationRequested)
        {
            return Results.Empty; // the client went away mid-upload; its partial copy is deleted below
        }
        finally
        {
            staged?.Dispose();
        }
    }

    /// <summary><c>GET /admin/loras</c>: every live LoRA endpoint of every account.</summary>
    private static IResult List(HttpContext context)
    {
        if (RefuseNonAdmin(context) is { } refused)
        {
            return refused;
        }

        var records = context.RequestServices.GetRequiredService<LoraStore>().List();
        return Results.Json(new LoraListAnswer([.. records.Select(LoraAnswer.From)]), LoraJsonContext.Default.LoraListAnswer);
    }

    /// <summary><c>GET /admin/loras/{endpoint}</c>.</summary>
    private static IResult Get(HttpContext context, string endpoint)
    {
        if (RefuseNonAdmin(context) is { } refused)
        {
            return refused;
        }

        return context.RequestServices.GetRequiredService<LoraStore>().Find(endpoint) is { } record
            ? Results.Json(LoraAnswer.From(record), LoraJsonContext.Default.LoraAnswer)
            : ApiErrors.NotFound($"No LoRA endpoint {endpoint}.");
    }

    /// <summary><c>DELETE /admin/loras/{endpoint}</c>: 204, or 404 when no live LoRA has that endpoint name.</summary>
    private static IResult Remove(HttpContext context, string endpoint)
    {
        if (RefuseNonAdmin(context) is { } refused)
        {
            return refused;
        }

        return context.RequestServices.GetRequiredService<LoraStore>().Remove(endpoint)
            ? Results.NoContent()
            : ApiErrors.NotFound($"No LoRA endpoint {endpoint}.");
    }

    private static IResult? RefuseNonAdmin(HttpContext context) => CallerAuthentication.GetCaller(context).IsAdmin
        ? null
        : ApiErrors.Error(StatusCodes.Status403Forbidden, "Only an admin API key may manage LoRA endpoints (fluxserve keys create --admin).");

    private static IResult FieldError(int status, string field, string message) =>
        Results.Json(new LoraFieldError(message, field), LoraJsonContext.Default.LoraFieldError, statusCode: status);

    /// <summary>A text field's value, or null when it is longer than <see cref="MaxFieldBytes"/>.</summary>
    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxFieldBytes + 1];
        int length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return length > MaxFieldBytes ? null : Encoding.UTF8.GetString(buffer, 0, length);
    }
}
