namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// Register and cache blocking for one <see cref="GemmIsa"/> (Goto/BLIS): an MR×NR block of C lives in registers; a
/// packed MR×KC micro-panel of A stays in L1 while the micro-kernel sweeps a packed KC×NC block of B held in L2; a
/// packed MC×KC block of A (shared by the threads) lives in L3.
/// </summary>
/// <remarks>
/// Sizes for AVX-512 were tuned on an AMD EPYC (Zen 5: 48 KiB L1d, 1 MiB L2 per core, 32 MiB L3) at the FLUX shapes
/// with <c>gemm-quick</c> (bench/FluxServe.Benchmarks): KC = 512 beat 256 and 384 by 2–3% (half as many passes over
/// C, whose tiles come from memory), with NC = 512 ahead of 256 and 384; a 14×512 A micro-panel is 28 KiB.
/// </remarks>
internal readonly record struct GemmBlocking(int MR, int NR, int KC, int MC, int NC)
{
    /// <summary>The blocking of <paramref name="isa"/>.</summary>
    public static GemmBlocking For(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => new(MicroKernel512.MR, MicroKernel512.NR, KC: 512, MC: 300 * MicroKernel512.MR, NC: 512),
        GemmIsa.Avx2 => new(MicroKernel256.MR, MicroKernel256.NR, KC: 256, MC: 700 * MicroKernel256.MR, NC: 256),
        _ => new(MicroKernel128.MR, MicroKernel128.NR, KC: 256, MC: 200 * MicroKernel128.MR, NC: 256),
    };
}
