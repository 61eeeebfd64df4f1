using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Catalog;
using FluxServe.Server.Configuration;
using FluxServe.Server.Inputs;
using FluxServe.Server.Jobs;
using FluxServe.Server.Loras;
using FluxServe.Server.Metrics;
using FluxServe.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FluxServe.Server.Http;

/// <summary><c>POST /v1/{model}</c> (wait and answer the image) and <c>POST /v2/{model}</c> (queue and answer at once).</summary>
public static class GenerationEndpoints
{
    private const int MaxBodyBytes = 32 << 20;

    public static IEndpointRouteBuilder MapGenerationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/{model}", (HttpContext context, string model) => SubmitAsync(context, model, sync: true))
            .WithMetadata(RequiresApiKey.Instance).RequireRateLimiting(RateLimiting.SubmitPolicy);
        routes.MapPost("/v2/{model}", (HttpContext context, string model) => SubmitAsync(context, model, sync: false))
            .WithMetadata(RequiresApiKey.Instance).RequireRateLimiting(RateLimiting.SubmitPolicy);
        return routes;
    }

    /// <summary>The scheme and host output links use: <c>Jobs:PublicBaseUrl</c>, or the request's own.</summary>
    public static string BaseUrl(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string configured = context.RequestServices.GetRequiredService<IOptions<JobOptions>>().Value.PublicBaseUrl;
        return string.IsNullOrEmpty(configured)
            ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}"
            : configured.TrimEnd('/');
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, string model, bool sync)
    {
        var caller = CallerAuthentication.GetCaller(context);
        ModelEndpoint endpoint;
        if (ModelCatalog.IsLoraEndpointName(model))
        {
            var lora = context.RequestServices.GetRequiredService<LoraStore>().Find(model);
            if (lora is null)
            {
                return ApiErrors.NotFound($"No LoRA endpoint {model} is registered on this server.");
            }

            if (lora.AccountId != caller.AccountId && !caller.IsAdmin)
            {
                return ApiErrors.Error(StatusCodes.Status403Forbidden, $"The LoRA endpoint {model} belongs to another account.");
            }

            endpoint = ModelCatalog.ForLora(lora.EndpointName, lora.Id, lora.Trigger);
            if (!caller.MayUse(endpoint.Name) && !caller.MayUse(ModelCatalog.LoraPriceKey))
            {
                return ApiErrors.Error(StatusCodes.Status403Forbidden, $"This API key may not use {endpoint.Name}.");
            }
        }
        else
        {
            var lookup = ModelCatalog.Find(model);
            if (lookup.Endpoint is null)
            {
                return ApiErrors.NotFound(lookup.NotFoundMessage!);
            }

            endpoint = lookup.Endpoint;
            if (!caller.MayUse(endpoint.Name))
            {
                return ApiErrors.Error(StatusCodes.Status403Forbidden, $"This API key may not use {endpoint.Name}.");
            }
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException tooLarge)
        {
            return ApiErrors.Error(StatusCodes.Status413PayloadTooLarge, tooLarge.Message);
        }
        catch (BadHttpRequestException badBody)
        {
            // Kestrel's own limits (body size, malformed chunking) are the client's doing, not an internal error.
            return ApiErrors.Error(badBody.StatusCode, $"The request body could not be read: {badBody.Message}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
        }
        catch (JsonException error)
        {
            return ApiErrors.BadRequest($"The body is not valid JSON ({FirstSentence(error.Message)}).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.BadRequest("The body must be a JSON object of parameters.");
            }

            var errors = new List<FieldError>();
            var values = ParameterReader.Read(endpoint.Parameters, document.RootElement, errors);
            if (errors.Count > 0)
            {
                return InvalidFields(errors);
            }

            var jobs = context.RequestServices.GetRequiredService<JobService>();
            if (!jobs.IsInstalled(endpoint.BaseModel))
            {
                return ApiErrors.Error(StatusCodes.Status502BadGateway,
                    $"No worker can take the job: the model {endpoint.BaseModel} is not installed on this server. Nothing was charged.");
            }

            string? idempotencyKey = context.Request.Headers["Idempotency-Key"];
            if (idempotencyKey is { Length: > 255 })
            {
                return Results.Json(new ValidationErrorResponse("The Idempotency-Key header must be at most 255 characters.", "Idempotency-Key",
                    "at most 255 characters", []), ServerJsonContext.Default.ValidationErrorResponse, statusCode: StatusCodes.Status400BadRequest);
            }

            InputImage? input = null;
            if (endpoint.ImageParameter is string field)
            {
                var (stored, refusal) = await StoreInputAsync(context, field, values.String(field)!).ConfigureAwait(false);
                if (refusal is not null)
                {
                    return refusal;
                }

                input = stored;
            }

            var parameters = endpoint.ToJob(values, RandomSeed, input);
            string baseUrl = BaseUrl(context);
            var request = new SubmitRequest(caller, endpoint, parameters, sync, baseUrl, values.String("webhook_url"),
                string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey,
                SHA256.HashData([.. Encoding.UTF8.GetBytes(endpoint.Name + (sync ? "\n1\n" : "\n2\n")), .. body]));
            var outcome = jobs.Submit(request);
            if (outcome.Status != SubmitStatus.Accepted && input is not null)
            {
                context.RequestServices.GetRequiredService<InputFiles>().Delete(input.FileName);
            }

            switch (outcome.Status)
            {
                case SubmitStatus.InsufficientCredits:
                    return ApiErrors.Error(StatusCodes.Status406NotAcceptable,
                        $"Not enough credits: this call costs {Credits.Format(jobs.Cost(endpoint, parameters))} and the account has {Credits.Format(outcome.BalanceMicro)}. Nothing was charged.");
                case SubmitStatus.IdempotencyConflict:
                    return ApiErrors.Error(StatusCodes.Status422UnprocessableEntity,
                        $"The Idempotency-Key was already used with a different request (request {outcome.Job!.Id}).");
                case SubmitStatus.Replayed:
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                    break;
                default:
                    context.RequestServices.GetRequiredService<ServerMetrics>().JobSubmitted();
                    break;
            }

            var job = outcome.Job!;
            SetJobHeaders(context.Response, job);
            return sync
                ? await WaitAndAnswerAsync(context, jobs, endpoint, job, baseUrl).ConfigureAwait(false)
                : Results.Json(ApiAnswers.Submitted(job, baseUrl, jobs.QueuePosition(job.Id)), ServerJsonContext.Default.SubmitAnswer);
        }
    }

    private static async Task<IResult> WaitAndAnswerAsync(HttpContext context, JobService jobs, ModelEndpoint endpoint, JobRecord job, string baseUrl)
    {
        bool finished;
        try
        {
            finished = await jobs.WaitFinishedAsync(job.Id, jobs.Options.SyncTimeout, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody will read the image, so stop the work and give the credits back.
            jobs.Cancel(job.Id, "The client closed the connection of the synchronous call; the request was cancelled and refunded.");
            return Results.Empty;
        }

        if (!finished && jobs.Cancel(job.Id, "The synchronous call passed its deadline; the request was cancelled and refunded."))
        {
            return Results.Json(new RequestErrorResponse(
                $"The request did not finish within {jobs.Options.SyncTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; it was cancelled and refunded.",
                job.Id, "FAILED"), ServerJsonContext.Default.RequestErrorResponse, statusCode: StatusCodes.Status504GatewayTimeout);
        }

        var done = jobs.Get(job.Id);
        if (done is null || done.State != JobState.Completed || done.Result is null)
        {
            // A job refused for a reason of the request (a content block, an unusable input) is the v2 result's 422;
            // only a failure inside the server is a 500.
            bool internalFailure = done?.Error is null || done.Error.StartsWith(WorkerPool.InternalFailurePrefix, StringComparison.Ordinal);
            return Results.Json(new RequestErrorResponse(done?.Error ?? "The request failed.", job.Id, "FAILED"),
                ServerJsonContext.Default.RequestErrorResponse,
                statusCode: internalFailure ? StatusCodes.Status500InternalServerError : StatusCodes.Status422UnprocessableEntity);
        }

        context.Response.Headers["x-generation-time"] = done.Result.InferenceSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var files = context.RequestServices.GetRequiredService<ResultFiles>();
        var p = done.Parameters;
        if (endpoint.AnswersJson || p.Base64 || p.Samples > 1 || AcceptsJsonOnly(context.Request))
        {
            var urls = done.Result.Outputs.Select(o => ApiAnswers.OutputUrl(baseUrl, o)).ToList();
            List<string>? images = null;
            if (p.Base64 || p.Samples > 1 || (!endpoint.AnswersJson && AcceptsJsonOnly(context.Request)))
            {
                images = [];
                foreach (var output in done.Result.Outputs)
                {
                    images.Add(Convert.ToBase64String(await File.ReadAllBytesAsync(files.PathOf(output.FileName), context.RequestAborted).ConfigureAwait(false)));
                }
            }

            long balance = context.RequestServices.GetRequiredService<AccountStore>().Balance(done.AccountId);
            return Results.Json(new SyncJsonAnswer(done.Id, "COMPLETED", images?[0], images, urls, p.Seed, ApiAnswers.Metrics(done, balance)),
                ServerJsonContext.Default.SyncJsonAnswer);
        }

        var first = done.Result.Outputs[0];
        return Results.File(files.PathOf(first.FileName), Generation.ImageFormats.MediaType(first.Format));
    }

    /// <summary>
    /// Fetches (SSRF-safe) and decodes an input image, and stores it for the job; a 400 naming the field when it is
    /// refused, unreadable or too large.
    /// </summary>
    private static async Task<(InputImage? Input, IResult? Refusal)> StoreInputAsync(HttpContext context, string field, string value)
    {
        var services = context.RequestServices;
        byte[] bytes;
        try
        {
            bytes = await services.GetRequiredService<SafeImageFetcher>().FetchAsync(value, field, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InputImageException refused)
        {
            return (null, InvalidFields([refused.ToFieldError()]));
        }

        int width, height;
        try
        {
            using var image = Pipelines.Imaging.ImageDecoder.Decode(bytes);
            (width, height) = (image.Width, image.Height);
        }
        catch (Pipelines.Imaging.ImageFormatException unreadable)
        {
            string message = unreadable is Pipelines.Imaging.ImageTooLargeException
                ? $"{field} is too large to use: {unreadable.Message}"
                : $"{field} is not a readable JPEG, PNG or WebP image: {unreadable.Message}";
            return (null, InvalidFields([new FieldError(field, "JPEG, PNG or WebP image", message)]));
        }

        string name = await services.GetRequiredService<InputFiles>().WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
        return (new InputImage(name, width, height), null);
    }

    /// <summary>400 naming the first broken rule, with every one listed.</summary>
    private static IResult InvalidFields(List<FieldError> errors) =>
        Results.Json(new ValidationErrorResponse(errors[0].Message, errors[0].Field, errors[0].Rule, errors),
            ServerJsonContext.Default.ValidationErrorResponse, statusCode: StatusCodes.Status400BadRequest);

    private static void SetJobHeaders(HttpResponse response, JobRecord job)
    {
        response.Headers["x-request-id"] = job.Id;
        response.Headers["x-cost"] = Credits.Format(job.CostMicro);
        response.Headers["x-seed-value"] = job.Parameters.Seed.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>True when the client asks for JSON and not for images (<c>Accept: application/json</c>); axios' default
    /// <c>application/json, text/plain, */*</c> still gets the image, as on the hosted service.</summary>
    private static bool AcceptsJsonOnly(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        bool json = false;
        foreach (var type in accepted)
        {
            if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                json = true;
            }
            else if (type.MediaType.Equals("*/*", StringComparison.Ordinal) || type.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return json;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new InvalidDataException($"The body is larger than {MaxBodyBytes >> 20} MiB.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw new InvalidDataException($"The body is larger than {MaxBodyBytes >> 20} MiB.");
            }
        }

        return buffer.ToArray();
    }

    // The seed actually used is reported (x-seed-value); 32 bits, since PyTorch's manual_seed uses only those.
    private static ulong RandomSeed() => (ulong)(uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? message[..dot] : message).TrimEnd('.');
    }
}
