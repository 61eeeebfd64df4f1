using System.Text.Json.Serialization;

namespace FluxServe.Server.Loras;

/// <summary>Source-generated JSON metadata for the <c>/admin/loras</c> bodies.</summary>
[JsonSerializable(typeof(LoraAnswer))]
[JsonSerializable(typeof(LoraListAnswer))]
[JsonSerializable(typeof(LoraFieldError))]
internal sealed partial class LoraJsonContext : JsonSerializerContext;
