namespace FluxServe.GpuBench;

/// <summary>Command-line settings of the benchmark commands.</summary>
public sealed record BenchSettings
{
    /// <summary>Timed repetitions (after the warm-up).</summary>
    public int Steps { get; init; } = 5;

    /// <summary>Untimed repetitions first (compilation, cuBLASLt heuristics, pool growth).</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>Image side in pixels (1024: 4096 image tokens).</summary>
    public int ImageSize { get; init; } = 1024;

    /// <summary>T5 tokens (FLUX.1-schnell uses 256, dev 512; 512 is the brief's shape).</summary>
    public int TextTokens { get; init; } = 512;

    /// <summary>fp8 e4m3 weights for the transformer (with fp8 tensor cores).</summary>
    public bool Fp8 { get; init; }

    /// <summary>Tiny models and sizes: exercises every code path of the benchmark in seconds (e.g. on the host emulation).</summary>
    public bool Tiny { get; init; }

    public bool SkipFlux { get; init; }

    public bool SkipT5 { get; init; }

    public bool SkipClip { get; init; }

    public bool SkipVae { get; init; }
}
