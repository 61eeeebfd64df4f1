using System.Text;
using System.Text.Json;
using FluxServe.Server.Catalog;

namespace FluxServe.Server.Http;

/// <summary>The OpenAPI 3.1 document of the API, written from the same <see cref="ParameterSpec"/>s that validate requests.</summary>
public static class OpenApiDocument
{
    private static readonly (int Code, string Text)[] GenerationCodes =
    [
        (400, "Invalid parameters or body; the error names the field and the rule."),
        (401, "Missing or unknown API key."),
        (403, "The key may not use this model."),
        (404, "Unknown or not installed model."),
        (405, "Wrong method (Allow lists the right one)."),
        (406, "Not enough credits; nothing was charged."),
        (429, "Rate limited; see Retry-After and x-rate-limit-reset-at-utc."),
        (500, "Internal error."),
        (502, "No worker can take the job (model not installed, worker down)."),
    ];

    /// <summary>The document for <paramref name="serverUrl"/>, with the registered LoRA endpoints among the paths.</summary>
    public static string Json(string serverUrl, IEnumerable<ModelEndpoint>? loraEndpoints = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("openapi", "3.1.0");
            w.WriteStartObject("info");
            w.WriteString("title", "FluxServe");
            w.WriteString("version", "1");
            w.WriteString("description", "FLUX.1 image generation, compatible with the hosted v1/v2 API.");
            w.WriteEndObject();
            w.WriteStartArray("servers");
            w.WriteStartObject();
            w.WriteString("url", serverUrl);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("security");
            w.WriteStartObject();
            w.WriteStartArray("apiKey");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();

            w.WriteStartObject("paths");
            foreach (var endpoint in ModelCatalog.Endpoints.Values.Concat(loraEndpoints ?? []))
            {
                WriteGeneration(w, endpoint, sync: true);
                WriteGeneration(w, endpoint, sync: false);
            }

            WriteRead(w, "/v2/requests/{id}/status", "get", "Status of a request: QUEUED, PROCESSING, COMPLETED or FAILED, with queue position and progress.",
                "#/components/schemas/Status", [(404, "Unknown or expired request.")]);
            WriteRead(w, "/v2/requests/{id}/events", "get", "Server-sent events: one `status` event per change until the request ends.",
                null, [(404, "Unknown or expired request.")]);
            w.WriteStartObject("/v2/requests/{id}");
            WriteOperation(w, "get", "The final result; a FAILED request answers 422 with the error.", "#/components/schemas/Result",
                [(404, "Unknown or expired request."), (422, "The request FAILED (the body carries the error).")]);
            WriteOperation(w, "delete", "Cancel a queued or running request; it is refunded.", "#/components/schemas/Status",
                [(404, "Unknown or expired request."), (409, "Already finished.")]);
            w.WriteEndObject();
            WriteRead(w, "/v2/requests/{id}/cancel", "post", "Cancel a queued or running request; it is refunded.", "#/components/schemas/Status",
                [(404, "Unknown or expired request."), (409, "Already finished.")]);
            WriteRead(w, "/v2/outputs/{file}", "get", "A stored image (the links in `output`); no key needed, expires with the result.", null,
                [(404, "Unknown or expired output.")]);
            WriteLoraAdmin(w);
            foreach (string path in (string[])["/healthz", "/readyz", "/metrics", "/openapi.json", "/playground"])
            {
                w.WriteStartObject(path);
                w.WriteStartObject("get");
                w.WriteStartArray("security");
                w.WriteEndArray();
                w.WriteStartObject("responses");
                w.WriteStartObject("200");
                w.WriteString("description", "OK");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            WriteComponents(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteGeneration(Utf8JsonWriter w, ModelEndpoint endpoint, bool sync)
    {
        w.WriteStartObject($"/{(sync ? "v1" : "v2")}/{endpoint.Name}");
        w.WriteStartObject("post");
        w.WriteString("operationId", $"{(sync ? "run" : "submit")}_{endpoint.Name.Replace('-', '_')}");
        w.WriteString("summary", endpoint.Summary);
        if (!sync)
        {
            w.WriteStartArray("parameters");
            w.WriteStartObject();
            w.WriteString("name", "Idempotency-Key");
            w.WriteString("in", "header");
            w.WriteString("description", "A repeated submit with the same key and body returns the first request instead of a new one.");
            w.WriteStartObject("schema");
            w.WriteString("type", "string");
            w.WriteNumber("maxLength", 255);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteStartObject("requestBody");
        w.WriteBoolean("required", true);
        w.WriteStartObject("content");
        w.WriteStartObject("application/json");
        w.WriteStartObject("schema");
        w.WriteString("type", "object");
        w.WriteStartArray("required");
        foreach (var p in endpoint.Parameters.Where(p => p.Required))
        {
            w.WriteStringValue(p.Name);
        }

        w.WriteEndArray();
        w.WriteStartObject("properties");
        foreach (var p in endpoint.Parameters)
        {
            WriteSchema(w, p);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("responses");
        w.WriteStartObject("200");
        if (sync)
        {
            w.WriteString("description", endpoint.AnswersJson
                ? "Done: JSON with output links (and base64 images when base64 is true)."
                : $"Done: the image, or JSON with base64 images for base64: true, {endpoint.SamplesParameter} > 1 or Accept: application/json.");
            w.WriteStartObject("content");
            if (!endpoint.AnswersJson)
            {
                bool chosenFormat = endpoint.Parameters.Any(p => p.Name == "output_format");
                foreach (string mediaType in chosenFormat ? ["image/jpeg", "image/png", "image/webp"] : (string[])["image/jpeg"])
                {
                    w.WriteStartObject(mediaType);
                    w.WriteStartObject("schema");
                    w.WriteString("type", "string");
                    w.WriteString("format", "binary");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            }

            WriteJsonContent(w, "#/components/schemas/SyncResult");
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("description", "Queued: request_id, status_url, response_url.");
            w.WriteStartObject("content");
            WriteJsonContent(w, "#/components/schemas/Submitted");
            w.WriteEndObject();
        }

        w.WriteEndObject();
        foreach (var (code, text) in GenerationCodes)
        {
            WriteError(w, code, text);
        }

        if (sync)
        {
            WriteError(w, 504, "The call outlived its deadline; the request was cancelled and refunded.");
        }
        else
        {
            WriteError(w, 422, "The Idempotency-Key was used before with a different body.");
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSchema(Utf8JsonWriter w, ParameterSpec p)
    {
        w.WriteStartObject(p.Name);
        w.WriteString("description", p.Description + " Rule: " + ParameterReader.Rule(p) + ".");
        switch (p.Kind)
        {
            case ParameterKind.Integer:
            case ParameterKind.Seed:
                w.WriteString("type", "integer");
                break;
            case ParameterKind.Number:
                w.WriteString("type", "number");
                break;
            case ParameterKind.Boolean:
                w.WriteString("type", "boolean");
                break;
            default:
                w.WriteString("type", "string");
                break;
        }

        if (p.Kind == ParameterKind.Url)
        {
            w.WriteString("format", "uri");
        }

        if (p.Kind == ParameterKind.Seed)
        {
            w.WriteNumber("minimum", 0);
            w.WriteNumber("maximum", ulong.MaxValue);
        }

        if (p.Minimum is double min)
        {
            w.WriteNumber("minimum", min);
        }

        if (p.Maximum is double max)
        {
            w.WriteNumber("maximum", max);
        }

        if (p.MultipleOf is int multiple)
        {
            w.WriteNumber("multipleOf", multiple);
        }

        if (p.Values is not null)
        {
            w.WriteStartArray("enum");
            foreach (string value in p.Values)
            {
                w.WriteStringValue(value);
            }

            w.WriteEndArray();
        }

        switch (p.Default)
        {
            case string s:
                w.WriteString("default", s);
                break;
            case long l:
                w.WriteNumber("default", l);
                break;
            case ulong u:
                w.WriteNumber("default", u);
                break;
            case double d:
                w.WriteNumber("default", d);
                break;
            case bool b:
                w.WriteBoolean("default", b);
                break;
        }

        w.WriteEndObject();
    }

    // /admin/loras: register (multipart upload), list, read and remove LoRA endpoints; admin keys only (docs/lora-endpoints.md).
    private static void WriteLoraAdmin(Utf8JsonWriter w)
    {
        (int, string) notAdmin = (403, "The key is not an admin key.");
        w.WriteStartObject("/admin/loras");
        w.WriteStartObject("get");
        w.WriteString("summary", "Every registered LoRA endpoint (admin keys only).");
        WriteAdminResponses(w, "200", "The LoRA endpoints.", [notAdmin]);
        w.WriteEndObject();
        w.WriteStartObject("post");
        w.WriteString("summary", "Register a LoRA file as an endpoint {uuid}-{name} owned by an account (admin keys only).");
        w.WriteStartObject("requestBody");
        w.WriteBoolean("required", true);
        w.WriteStartObject("content");
        w.WriteStartObject("multipart/form-data");
        w.WriteStartObject("schema");
        w.WriteString("type", "object");
        w.WriteStartArray("required");
        w.WriteStringValue("name");
        w.WriteStringValue("file");
        w.WriteEndArray();
        w.WriteStartObject("properties");
        foreach (var (name, type, format, description) in (ReadOnlySpan<(string, string, string?, string)>)
        [
            ("name", "string", null, "1..64 of A-Z a-z 0-9 _ . -, starting with a letter or digit; the endpoint is {uuid}-{name}."),
            ("file", "string", "binary", "The LoRA safetensors file (checked against the installed FLUX.1 [dev] before it is registered)."),
            ("trigger", "string", null, "The word that invokes the LoRA's concept, shown in the endpoint's description."),
            ("account", "integer", null, "The owning account; default: the caller's."),
        ])
        {
            w.WriteStartObject(name);
            w.WriteString("type", type);
            if (format is not null)
            {
                w.WriteString("format", format);
            }

            w.WriteString("description", description);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        WriteAdminResponses(w, "201", "Registered: endpoint, id, name, account, trigger, sha256, bytes, summary.",
            [(400, "A bad field, or a file that is not a LoRA for the installed FLUX.1 [dev] (every bad key named)."), notAdmin,
             (404, "Unknown account."), (413, "The file is larger than Loras:MaxFileBytes.")]);
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("/admin/loras/{endpoint}");
        foreach (var (method, summary, ok) in (ReadOnlySpan<(string, string, string)>)
        [
            ("get", "One registered LoRA endpoint (admin keys only).", "200"),
            ("delete", "Remove a LoRA endpoint and its file; queued jobs for it fail and are refunded (admin keys only).", "204"),
        ])
        {
            w.WriteStartObject(method);
            w.WriteString("summary", summary);
            WritePathParameter(w, "endpoint");
            WriteAdminResponses(w, ok, ok == "204" ? "Removed." : "The LoRA endpoint.", [notAdmin, (404, "No such LoRA endpoint.")]);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteAdminResponses(Utf8JsonWriter w, string ok, string description, (int Code, string Text)[] errors)
    {
        w.WriteStartObject("responses");
        w.WriteStartObject(ok);
        w.WriteString("description", description);
        w.WriteEndObject();
        WriteError(w, 401, "Missing or unknown API key.");
        foreach (var (code, text) in errors)
        {
            WriteError(w, code, text);
        }

        w.WriteEndObject();
    }

    private static void WriteRead(Utf8JsonWriter w, string path, string method, string summary, string? schema, (int, string)[] errors)
    {
        w.WriteStartObject(path);
        WriteOperation(w, method, summary, schema, errors, path.EndsWith("{file}", StringComparison.Ordinal) ? "file" : "id");
        w.WriteEndObject();
    }

    private static void WriteOperation(Utf8JsonWriter w, string method, string summary, string? schema, (int Code, string Text)[] errors,
        string pathParameter = "id")
    {
        w.WriteStartObject(method);
        w.WriteString("summary", summary);
        WritePathParameter(w, pathParameter);
        w.WriteStartObject("responses");
        w.WriteStartObject("200");
        w.WriteString("description", "OK");
        if (schema is not null)
        {
            w.WriteStartObject("content");
            WriteJsonContent(w, schema);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        WriteError(w, 401, "Missing or unknown API key.");
        WriteError(w, 429, "Rate limited.");
        foreach (var (code, text) in errors)
        {
            WriteError(w, code, text);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WritePathParameter(Utf8JsonWriter w, string name)
    {
        w.WriteStartArray("parameters");
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("in", "path");
        w.WriteBoolean("required", true);
        w.WriteStartObject("schema");
        w.WriteString("type", "string");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void WriteError(Utf8JsonWriter w, int code, string text)
    {
        w.WriteStartObject(code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("description", text);
        w.WriteStartObject("content");
        WriteJsonContent(w, "#/components/schemas/Error");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteJsonContent(Utf8JsonWriter w, string reference)
    {
        w.WriteStartObject("application/json");
        w.WriteStartObject("schema");
        w.WriteString("$ref", reference);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteComponents(Utf8JsonWriter w)
    {
        w.WriteStartObject("components");
        w.WriteStartObject("securitySchemes");
        w.WriteStartObject("apiKey");
        w.WriteString("type", "apiKey");
        w.WriteString("in", "header");
        w.WriteString("name", "x-api-key");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("schemas");
        WriteObject(w, "Error", ("error", "string"), ("field", "string"), ("rule", "string"), ("request_id", "string"));
        WriteObject(w, "Submitted", ("request_id", "string"), ("status", "string"), ("status_url", "string"), ("response_url", "string"),
            ("events_url", "string"), ("cancel_url", "string"), ("queue_position", "integer"));
        WriteObject(w, "Status", ("request_id", "string"), ("status", "string"), ("model", "string"), ("queue_position", "integer"),
            ("progress", "object"), ("created_at", "string"), ("started_at", "string"), ("finished_at", "string"), ("error", "string"));
        WriteObject(w, "Result", ("request_id", "string"), ("status", "string"), ("model", "string"), ("output", "array"), ("seed", "integer"),
            ("seed_value", "string"), ("error", "string"), ("metrics", "object"));
        WriteObject(w, "SyncResult", ("request_id", "string"), ("status", "string"), ("image", "string"), ("images", "array"), ("output", "array"),
            ("seed", "integer"), ("metrics", "object"));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteObject(Utf8JsonWriter w, string name, params (string Name, string Type)[] properties)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "object");
        w.WriteStartObject("properties");
        foreach (var (property, type) in properties)
        {
            w.WriteStartObject(property);
            w.WriteString("type", type);
            if (type == "array")
            {
                w.WriteStartObject("items");
                w.WriteString("type", "string");
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}
