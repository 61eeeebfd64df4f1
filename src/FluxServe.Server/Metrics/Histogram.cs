using System.Globalization;
using System.Text;

namespace FluxServe.Server.Metrics;

/// <summary>A Prometheus histogram with fixed upper bounds (seconds).</summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private readonly Lock _lock = new();
    private double _sum;
    private long _count;

    public Histogram(string name, string help, double[] bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        Name = name;
        Help = help;
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public string Name { get; }

    public string Help { get; }

    public void Observe(double value)
    {
        lock (_lock)
        {
            for (int i = 0; i < _bounds.Length; i++)
            {
                if (value <= _bounds[i])
                {
                    _counts[i]++;
                }
            }

            _sum += value;
            _count++;
        }
    }

    public void WriteTo(StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock)
        {
            text.Append("# HELP ").Append(Name).Append(' ').Append(Help).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(" histogram\n");
            for (int i = 0; i < _bounds.Length; i++)
            {
                text.Append(Name).Append("_bucket{le=\"").Append(_bounds[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ")
                    .Append(_counts[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append(Name).Append("_bucket{le=\"+Inf\"} ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append(Name).Append("_sum ").Append(_sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            text.Append(Name).Append("_count ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}
