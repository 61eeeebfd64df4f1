namespace FluxServe.GpuBench;

/// <summary>Summaries of repeated timings (METHOD.md: warm up, repeat, take the median, report the spread).</summary>
public static class BenchStatistics
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Describe(IReadOnlyList<double> milliseconds) =>
        $"median {Median(milliseconds):F2} ms, min {milliseconds.Min():F2}, max {milliseconds.Max():F2} (n={milliseconds.Count})";

    public static string Gib(long bytes) => $"{bytes / (double)(1L << 30):F2} GiB";
}
