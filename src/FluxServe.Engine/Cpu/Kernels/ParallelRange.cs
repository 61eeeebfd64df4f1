namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// Splits a loop over independent items (rows, channels, heads, query blocks) across the thread pool when the work
/// is large enough to pay for it, and runs it inline otherwise.
/// </summary>
internal static class ParallelRange
{
    /// <summary>
    /// Work (in rough float operations) below which a loop stays on the calling thread: waking pool threads costs a
    /// few microseconds, about this much arithmetic.
    /// </summary>
    public const long MinimumParallelWork = 1 << 17;

    /// <summary>Upper bound on worker threads (tests may lower it; defaults to the processor count).</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Runs <paramref name="body"/> over [0, <paramref name="count"/>), in contiguous chunks of items on several threads
    /// when <paramref name="count"/> × <paramref name="workPerItem"/> is large enough.
    /// </summary>
    public static void For<TBody>(int count, long workPerItem, TBody body)
        where TBody : struct, IRangeBody
    {
        if (count <= 0)
        {
            return;
        }

        int threads = MaxThreads;
        long total = count * Math.Max(workPerItem, 1);
        if (threads <= 1 || count == 1 || total < 2 * MinimumParallelWork)
        {
            body.Execute(0, count);
            return;
        }

        // A few chunks per thread balance uneven items (e.g. causal attention rows) without tiny chunks.
        int chunks = (int)Math.Min(Math.Min(count, threads * 4L), total / MinimumParallelWork);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, chunks, options, chunk =>
        {
            int start = (int)((long)count * chunk / chunks);
            int end = (int)((long)count * (chunk + 1) / chunks);
            body.Execute(start, end);
        });
    }
}
