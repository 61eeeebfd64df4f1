using System.Globalization;
using System.Text.Json;

namespace FluxServe.GpuBench;

/// <summary>Named numbers and notes of a run, written as one JSON object for the GPU session's notes.</summary>
public sealed class BenchResults
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
    private readonly SortedDictionary<string, object> _values = new(StringComparer.Ordinal);

    public void Add(string name, double value) => _values[name] = double.IsFinite(value) ? Math.Round(value, 6) : value.ToString(CultureInfo.InvariantCulture);

    public void Add(string name, string value) => _values[name] = value;

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(_values, s_json));
    }
}
