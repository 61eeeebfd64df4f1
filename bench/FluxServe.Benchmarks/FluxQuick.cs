using System.Diagnostics;
using System.Globalization;

namespace FluxServe.Benchmarks;

/// <summary>
/// <c>flux-quick [tiny|mid] [repeats]</c>: median and best wall time of one FLUX forward (random weights) on the CPU, in
/// the shapes of <c>scripts/peers/bench_flux_forward.py</c>, whose BFL/PyTorch figure it is compared with.
/// </summary>
public static class FluxQuick
{
    public static int Run(string[] args)
    {
        string config = args.Length > 0 ? args[0] : "mid";
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        using var flux = FluxForwardCase.Create(config);
        flux.Run().Dispose(); // warm-up (JIT, pools)
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            flux.Run().Dispose();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fluxserve config={config} threads={Environment.ProcessorCount} median_ms={times[repeats / 2]:F2} min_ms={times[0]:F2}"));
        return 0;
    }
}
