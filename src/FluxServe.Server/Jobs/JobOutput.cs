using System.Text.Json.Serialization;
using FluxServe.Server.Generation;

namespace FluxServe.Server.Jobs;

/// <summary>One stored image of a job: <see cref="Token"/> is the unguessable name in its URL.</summary>
public sealed record JobOutput(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("format")] ImageFormat Format)
{
    [JsonIgnore]
    public string FileName => $"{Token}.{Format.Extension()}";
}
