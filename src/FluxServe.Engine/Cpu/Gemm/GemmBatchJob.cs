namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// A batch of GEMMs too small to split one by one: the team's members take whole items from a shared counter and run
/// each alone with their own pack buffers.
/// </summary>
internal sealed unsafe class GemmBatchJob : IGemmTeamWork
{
    private readonly GemmJob[] _jobs;
    private GemmProblem _first;
    private long _strideA;
    private long _strideB;
    private long _strideC;
    private int _count;
    private int _next;
    private GemmIsa _isa;

    /// <summary>Creates a batch job for up to <paramref name="maxWorkers"/> members.</summary>
    public GemmBatchJob(int maxWorkers)
    {
        _jobs = new GemmJob[maxWorkers];
        for (int i = 0; i < maxWorkers; i++)
        {
            _jobs[i] = new GemmJob(1);
        }
    }

    /// <summary>
    /// Runs <paramref name="count"/> problems: item i is <paramref name="first"/> with A, B and C advanced by i times
    /// the strides (elements of each operand's type).
    /// </summary>
    public void Run(GemmThreadTeam team, in GemmProblem first, int count, long strideA, long strideB, long strideC, GemmIsa isa, int workers)
    {
        _first = first;
        _count = count;
        _strideA = strideA;
        _strideB = strideB;
        _strideC = strideC;
        _isa = isa;
        _next = 0;
        team.Run(this, workers);
    }

    /// <inheritdoc />
    public void Execute(int worker, int workers)
    {
        GemmJob job = _jobs[worker];
        int size = _first.BType.SizeOf();
        int item;
        while ((item = Interlocked.Increment(ref _next) - 1) < _count)
        {
            GemmProblem p = _first;
            p.A += item * _strideA;
            p.B += item * _strideB * size;
            p.C += item * _strideC;
            job.RunAlone(p, _isa);
        }
    }
}
