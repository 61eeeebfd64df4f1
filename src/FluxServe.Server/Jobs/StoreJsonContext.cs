using System.Text.Json.Serialization;
using FluxServe.Server.Catalog;

namespace FluxServe.Server.Jobs;

/// <summary>JSON metadata for the documents the job store keeps in text columns.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(JobParameters))]
[JsonSerializable(typeof(JobResult))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
