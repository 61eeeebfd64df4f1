using BenchmarkDotNet.Running;

namespace FluxServe.Benchmarks;

/// <summary>
/// Entry point. With no arguments, or BenchmarkDotNet's own (<c>--filter *Gemm*</c>, <c>--list flat</c>, ...), runs
/// the BenchmarkDotNet switcher over every benchmark class in this assembly. A first argument naming a quick mode runs
/// that instead: quick modes print their figures directly in seconds rather than BenchmarkDotNet's minutes.
/// </summary>
/// <example>
/// <code>
/// dotnet run -c Release --project bench/FluxServe.Benchmarks -- gemm-quick
/// dotnet run -c Release --project bench/FluxServe.Benchmarks -- flux-quick mid 5
/// dotnet run -c Release --project bench/FluxServe.Benchmarks -- redux-quick --runs 5 --weights F32,BF16
/// dotnet run -c Release --project bench/FluxServe.Benchmarks -- --filter *GemmBenchmarks*
/// </code>
/// </example>
public static class Program
{
    /// <summary>Quick modes by name: each takes the remaining arguments and returns the exit code.</summary>
    private static readonly Dictionary<string, Func<string[], int>> QuickModes = new(StringComparer.Ordinal)
    {
        ["gemm-quick"] = GemmQuick.Run,
        ["flux-quick"] = FluxQuick.Run,
        ["redux-quick"] = ReduxQuick.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length > 0 && QuickModes.TryGetValue(args[0], out var quick))
        {
            return quick(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
