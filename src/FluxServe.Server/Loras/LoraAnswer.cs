using System.Globalization;
using System.Text.Json.Serialization;

namespace FluxServe.Server.Loras;

/// <summary>A LoRA endpoint as <c>/admin/loras</c> shows it.</summary>
public sealed record LoraAnswer(
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("account")] long Account,
    [property: JsonPropertyName("trigger")] string? Trigger,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("summary")] string? Summary,
    [property: JsonPropertyName("created_at")] string CreatedAt)
{
    public static LoraAnswer From(LoraRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.EndpointName, record.Id, record.Name, record.AccountId, record.Trigger, record.Sha256, record.Bytes, record.Summary,
            record.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
