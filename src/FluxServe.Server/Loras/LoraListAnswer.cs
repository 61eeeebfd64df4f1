using System.Text.Json.Serialization;

namespace FluxServe.Server.Loras;

/// <summary>The answer of <c>GET /admin/loras</c>: every live LoRA endpoint, oldest first.</summary>
public sealed record LoraListAnswer([property: JsonPropertyName("loras")] IReadOnlyList<LoraAnswer> Loras);
