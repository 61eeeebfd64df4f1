using FluxServe.Engine.Cpu.Kernels;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// The Goto/BLIS loop nest of one GEMM, run by one or more members of a <see cref="GemmThreadTeam"/>, with the pack
/// buffers it reuses from call to call.
/// </summary>
/// <remarks>
/// <para>For each MC-row block of A and each KC-slice of K: the members pack the A block together (panels split
/// between them) into one shared buffer; after a barrier they take work items, an NC-column block of B (packed, and
/// widened from its stored dtype, into the member's own L2-sized buffer) times a range of A's micro-panels, from a
/// shared counter; a second barrier ends the slice. Within an item each MR-row A micro-panel (L1) sweeps the packed B
/// block (L2) one NR-column micro-panel at a time.</para>
/// <para>The first K slice stores into C (or adds to it when accumulating), later ones add; the last adds the bias in
/// the kernel's store and applies the activation to the finished rows while they are still in cache.</para>
/// </remarks>
internal sealed unsafe class GemmJob : IGemmTeamWork
{
    private readonly PackBuffer _a = new();
    private readonly PackBuffer[] _b;
    private readonly SpinBarrier _barrier = new();
    private GemmProblem _problem;
    private GemmBlocking _blocking;
    private GemmIsa _isa;
    private int _kcStep;
    private int _mcStep;
    private int _ncStep;
    private int _next;

    /// <summary>Creates a job whose buffers serve up to <paramref name="maxWorkers"/> members.</summary>
    public GemmJob(int maxWorkers)
    {
        _b = new PackBuffer[maxWorkers];
        for (int i = 0; i < maxWorkers; i++)
        {
            _b[i] = new PackBuffer();
        }
    }

    /// <summary>Runs <paramref name="problem"/> on the calling thread alone.</summary>
    public void RunAlone(in GemmProblem problem, GemmIsa isa)
    {
        Prepare(problem, isa, 1);
        Execute(0, 1);
    }

    /// <summary>Runs <paramref name="problem"/> on <paramref name="workers"/> members of <paramref name="team"/> (held by the caller).</summary>
    public void RunOn(GemmThreadTeam team, in GemmProblem problem, GemmIsa isa, int workers)
    {
        Prepare(problem, isa, workers);
        team.Run(this, workers);
    }

    /// <inheritdoc />
    public void Execute(int worker, int workers)
    {
        ref readonly GemmProblem p = ref _problem;
        GemmBlocking bl = _blocking;
        float* aPack = _a.Pointer;
        float* bPack = _b[worker].Pointer;
        float* tile = stackalloc float[MicroKernel512.MR * MicroKernel512.NR];
        int kcStep = _kcStep, mcStep = _mcStep, ncStep = _ncStep;
        int nBlocks = (p.N + ncStep - 1) / ncStep;

        for (int ic = 0; ic < p.M; ic += mcStep)
        {
            int mc = Math.Min(mcStep, p.M - ic);
            int panels = (mc + bl.MR - 1) / bl.MR;

            // Split the rows as well as the columns when there are too few column blocks to keep every member busy.
            int rowChunks = nBlocks >= 2 * workers ? 1 : Math.Min(panels, ((2 * workers) + nBlocks - 1) / nBlocks);
            int items = nBlocks * rowChunks;
            int pc = 0;
            do
            {
                int kc = Math.Min(kcStep, p.K - pc);
                bool first = pc == 0;
                bool last = pc + kc >= p.K;
                bool load = !first || p.Accumulate;

                APacker.Pack(_isa, p.A + (ic * p.Lda) + pc, p.Lda, mc, kc, panels * worker / workers, panels * (worker + 1) / workers, aPack);
                if (worker == 0)
                {
                    Volatile.Write(ref _next, 0);
                }

                _barrier.Wait();

                int packedBlock = -1;
                int item;
                while ((item = Interlocked.Increment(ref _next) - 1) < items)
                {
                    int block = item / rowChunks;
                    int chunk = item % rowChunks;
                    int jc = block * ncStep;
                    int nc = Math.Min(ncStep, p.N - jc);
                    if (packedBlock != block)
                    {
                        BPacker.Pack(_isa, p.B, p.Ldb, p.BType, p.BLayout, pc, kc, jc, nc, bPack);
                        packedBlock = block;
                    }

                    int endPanel = panels * (chunk + 1) / rowChunks;
                    for (int panel = panels * chunk / rowChunks; panel < endPanel; panel++)
                    {
                        int row = ic + (panel * bl.MR);
                        int rows = Math.Min(bl.MR, p.M - row);
                        float* aPanel = aPack + ((nint)panel * bl.MR * kc);
                        float* cRow = p.C + (row * p.Ldc) + jc;
                        float* bias = last && p.Bias != null ? p.Bias + jc : null;
                        for (int jr = 0; jr < nc; jr += bl.NR)
                        {
                            int cols = Math.Min(bl.NR, nc - jr);
                            Tile(rows, cols, kc, aPanel, bPack + ((nint)jr * kc), cRow + jr, p.Ldc, p.Alpha, load, bias == null ? null : bias + jr, tile);
                        }

                        if (last && p.Activation != Activation.None)
                        {
                            for (int i = 0; i < rows; i++)
                            {
                                ActivationKernels.Apply(new Span<float>(cRow + (i * p.Ldc), nc), p.Activation);
                            }
                        }
                    }
                }

                _barrier.Wait();
                pc += kc;
            }
            while (pc < p.K);
        }
    }

    private void Prepare(in GemmProblem problem, GemmIsa isa, int workers)
    {
        _problem = problem;
        _isa = isa;
        _blocking = GemmBlocking.For(isa);
        _barrier.Reset(workers);
        GemmBlocking bl = _blocking;

        // Equal blocks rather than full ones and a ragged last one (K = 1152 as 5×~230, not 4×256 + 128): a thin
        // last K slice would cost a whole pass over C, a thin last M block a whole repacking of B.
        _kcStep = EvenStep(problem.K, bl.KC, 16);
        _mcStep = EvenStep(problem.M, bl.MC, bl.MR);
        _ncStep = EvenStep(problem.N, bl.NC, bl.NR);
        _a.Ensure((long)RoundUp(_mcStep, bl.MR) * Math.Max(1, _kcStep));
        for (int i = 0; i < workers; i++)
        {
            _b[i].Ensure((long)RoundUp(_ncStep, bl.NR) * Math.Max(1, _kcStep));
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The step that cuts <paramref name="length"/> into the fewest blocks of at most <paramref name="limit"/>, as equal as multiples of <paramref name="multiple"/> allow.</summary>
    private static int EvenStep(int length, int limit, int multiple)
    {
        if (length <= limit)
        {
            return Math.Max(length, 1);
        }

        int blocks = (length + limit - 1) / limit;
        return Math.Min(limit, RoundUp((length + blocks - 1) / blocks, multiple));
    }

    /// <summary>One MR×NR block of C; a block cut by N's edge goes through <paramref name="tile"/> and is copied out.</summary>
    private void Tile(int rows, int cols, int kc, float* a, float* b, float* c, nint ldc, float alpha, bool load, float* bias, float* tile)
    {
        int nr = _blocking.NR;
        if (cols == nr)
        {
            Kernel(_isa, rows, kc, a, b, c, ldc, alpha, load, bias);
            return;
        }

        Kernel(_isa, rows, kc, a, b, tile, nr, 1f, false, null);
        for (int i = 0; i < rows; i++)
        {
            float* t = tile + (i * nr);
            float* d = c + (i * ldc);
            for (int j = 0; j < cols; j++)
            {
                // The same operations in the same order as the kernel's store, so edge blocks round like the rest.
                float v = t[j] * alpha;
                if (load)
                {
                    v += d[j];
                }

                if (bias != null)
                {
                    v += bias[j];
                }

                d[j] = v;
            }
        }
    }

    private static void Kernel(GemmIsa isa, int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, bool load, float* bias)
    {
        switch (isa)
        {
            case GemmIsa.Avx512:
                switch (rows)
                {
                    case 14: MicroKernel512.Run<Rows14>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 13: MicroKernel512.Run<Rows13>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 12: MicroKernel512.Run<Rows12>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 11: MicroKernel512.Run<Rows11>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 10: MicroKernel512.Run<Rows10>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 9: MicroKernel512.Run<Rows9>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 8: MicroKernel512.Run<Rows8>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 7: MicroKernel512.Run<Rows7>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 6: MicroKernel512.Run<Rows6>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 5: MicroKernel512.Run<Rows5>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 4: MicroKernel512.Run<Rows4>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 3: MicroKernel512.Run<Rows3>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 2: MicroKernel512.Run<Rows2>(kc, a, b, c, ldc, alpha, load, bias); break;
                    default: MicroKernel512.Run<Rows1>(kc, a, b, c, ldc, alpha, load, bias); break;
                }

                break;
            case GemmIsa.Avx2:
                switch (rows)
                {
                    case 6: MicroKernel256.Run<Rows6>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 5: MicroKernel256.Run<Rows5>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 4: MicroKernel256.Run<Rows4>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 3: MicroKernel256.Run<Rows3>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 2: MicroKernel256.Run<Rows2>(kc, a, b, c, ldc, alpha, load, bias); break;
                    default: MicroKernel256.Run<Rows1>(kc, a, b, c, ldc, alpha, load, bias); break;
                }

                break;
            default:
                switch (rows)
                {
                    case 6: MicroKernel128.Run<Rows6>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 5: MicroKernel128.Run<Rows5>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 4: MicroKernel128.Run<Rows4>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 3: MicroKernel128.Run<Rows3>(kc, a, b, c, ldc, alpha, load, bias); break;
                    case 2: MicroKernel128.Run<Rows2>(kc, a, b, c, ldc, alpha, load, bias); break;
                    default: MicroKernel128.Run<Rows1>(kc, a, b, c, ldc, alpha, load, bias); break;
                }

                break;
        }
    }
}
