using System.Text.Json;

namespace FluxServe.Models.Checkpoints;

/// <summary>Reads integers from a Hugging Face <c>config.json</c> beside a checkpoint, when there is one.</summary>
internal static class HfConfig
{
    /// <summary>The folder's (or the file's folder's) config.json as a document, or null when absent.</summary>
    public static JsonDocument? Find(string path)
    {
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string file = Path.Combine(folder, "config.json");
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllText(file));
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"{file} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>An integer property, or null when the document or the property is absent.</summary>
    public static int? Int(JsonDocument? config, string name) =>
        config is not null && config.RootElement.ValueKind == JsonValueKind.Object &&
        config.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : null;

    /// <summary>An integer-array property, or null.</summary>
    public static int[]? IntArray(JsonDocument? config, string name) =>
        config is not null && config.RootElement.ValueKind == JsonValueKind.Object &&
        config.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Select(v => v.GetInt32())]
            : null;
}
