namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// A sense-reversing barrier for the members of a <see cref="GemmThreadTeam"/>. Members are dedicated threads that are
/// all running the same job, so spinning (with <see cref="SpinWait"/>'s yields) is cheaper than blocking; the waits it
/// separates are milliseconds of packing and kernel work.
/// </summary>
internal sealed class SpinBarrier
{
    private int _participants = 1;
    private int _arrived;
    private int _sense;

    /// <summary>Sets the number of members that must arrive; only between uses.</summary>
    public void Reset(int participants)
    {
        _participants = participants;
        _arrived = 0;
    }

    /// <summary>Waits until every member has arrived.</summary>
    public void Wait()
    {
        if (_participants == 1)
        {
            return;
        }

        int sense = Volatile.Read(ref _sense);
        if (Interlocked.Increment(ref _arrived) == _participants)
        {
            _arrived = 0;
            Volatile.Write(ref _sense, sense ^ 1);
            return;
        }

        var spin = default(SpinWait);
        while (Volatile.Read(ref _sense) == sense)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}
