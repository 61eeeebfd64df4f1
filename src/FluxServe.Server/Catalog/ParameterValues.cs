namespace FluxServe.Server.Catalog;

/// <summary>A request's parameters after validation: every known parameter with its value or default.</summary>
public sealed class ParameterValues
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _given = new(StringComparer.Ordinal);

    public bool WasGiven(string name) => _given.Contains(name);

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? (string)v : null;

    public long Integer(string name, long fallback) => _values.TryGetValue(name, out var v) ? (long)v : fallback;

    public double Number(string name, double fallback) => _values.TryGetValue(name, out var v) ? (double)v : fallback;

    public bool Boolean(string name, bool fallback) => _values.TryGetValue(name, out var v) ? (bool)v : fallback;

    public ulong? Seed(string name) => _values.TryGetValue(name, out var v) ? (ulong)v : null;

    internal void Set(string name, object value, bool given)
    {
        _values[name] = value;
        if (given)
        {
            _given.Add(name);
        }
    }
}
