using System.Runtime.ExceptionServices;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// A fixed team of dedicated threads (one per core, the caller being member 0) that run the members of one GEMM at a
/// time. Dedicated threads rather than the thread pool because the members meet at barriers: every member must be
/// running, which pool threads do not promise. A caller that finds the team busy (another GEMM on another thread)
/// runs its GEMM alone instead of waiting.
/// </summary>
internal sealed class GemmThreadTeam
{
    private static GemmThreadTeam? s_shared;
    private readonly SemaphoreSlim[] _wake;
    private IGemmTeamWork? _work;
    private int _workers;
    private int _pending;
    private int _busy;
    private Exception? _error;

    private GemmThreadTeam(int size)
    {
        Size = size;
        _wake = new SemaphoreSlim[size];
        for (int i = 1; i < size; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            var thread = new Thread(() => WorkerLoop(index))
            {
                IsBackground = true,
                Name = $"FluxServe GEMM worker {i}",
            };
            thread.Start();
        }
    }

    /// <summary>The process-wide team, sized to <see cref="Environment.ProcessorCount"/>.</summary>
    public static GemmThreadTeam Shared =>
        LazyInitializer.EnsureInitialized(ref s_shared, () => new GemmThreadTeam(Math.Max(1, Environment.ProcessorCount)));

    /// <summary>Members, the caller included.</summary>
    public int Size { get; }

    /// <summary>Takes the team for one job; false when another caller holds it.</summary>
    public bool TryAcquire() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>Gives the team back after <see cref="TryAcquire"/>.</summary>
    public void Release() => Volatile.Write(ref _busy, 0);

    /// <summary>Runs <paramref name="work"/> on <paramref name="workers"/> members (the caller is member 0) and waits for all.</summary>
    public void Run(IGemmTeamWork work, int workers)
    {
        workers = Math.Clamp(workers, 1, Size);
        _work = work;
        _workers = workers;
        _error = null;
        Volatile.Write(ref _pending, workers - 1);
        for (int i = 1; i < workers; i++)
        {
            _wake[i].Release();
        }

        try
        {
            work.Execute(0, workers);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }

        var spin = default(SpinWait);
        while (Volatile.Read(ref _pending) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        _work = null;
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private void WorkerLoop(int index)
    {
        while (true)
        {
            _wake[index].Wait();
            try
            {
                _work!.Execute(index, _workers);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            Interlocked.Decrement(ref _pending);
        }
    }
}
