namespace FluxServe.Models.Tests;

/// <summary>Samples the process's resident set (VmRSS of /proc/self/status) every millisecond and keeps the peak.</summary>
internal sealed class ResidentSetSampler : IDisposable
{
    private readonly long _baseline = Read();
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak;

    public ResidentSetSampler()
    {
        _peak = _baseline;
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                long now = Read();
                if (now > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, now);
                }

                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>Peak resident bytes above the level at construction.</summary>
    public long PeakGrowth
    {
        get
        {
            long now = Read();
            return Math.Max(Interlocked.Read(ref _peak), now) - _baseline;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private static long Read()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
