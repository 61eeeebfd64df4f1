using System.Globalization;
using System.Text;
using FluxServe.Server.Jobs;

namespace FluxServe.Server.Metrics;

/// <summary>The numbers behind <c>/metrics</c> (Prometheus text format 0.0.4).</summary>
public sealed class ServerMetrics
{
    private static readonly double[] JobBounds = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
    private static readonly double[] StepBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private long _jobsSubmitted;
    private long _jobsCompleted;
    private long _jobsFailed;

    public Histogram JobSeconds { get; } = new("fluxserve_job_duration_seconds", "Time from a job's start on a worker to its end.", JobBounds);

    public Histogram QueueSeconds { get; } = new("fluxserve_job_queue_seconds", "Time a job waited in the queue.", JobBounds);

    public Histogram StepSeconds { get; } = new("fluxserve_step_duration_seconds", "Time of one denoising step of a batch.", StepBounds);

    public void JobSubmitted() => Interlocked.Increment(ref _jobsSubmitted);

    public void JobCompleted() => Interlocked.Increment(ref _jobsCompleted);

    public void JobFailed() => Interlocked.Increment(ref _jobsFailed);

    /// <summary>Writes every metric: queue depth, jobs by state, job/step histograms, device memory.</summary>
    public string Render(int queueDepth, IReadOnlyDictionary<JobState, long> jobsByState, IEnumerable<DeviceMemory> devices)
    {
        ArgumentNullException.ThrowIfNull(jobsByState);
        ArgumentNullException.ThrowIfNull(devices);
        var text = new StringBuilder(4096);
        Gauge(text, "fluxserve_queue_depth", "Jobs waiting for a worker.", queueDepth);
        text.Append("# HELP fluxserve_jobs Stored jobs by state (finished ones until they expire).\n# TYPE fluxserve_jobs gauge\n");
        foreach (var (state, count) in jobsByState)
        {
            text.Append("fluxserve_jobs{state=\"").Append(state.Name()).Append("\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Counter(text, "fluxserve_jobs_submitted_total", "Jobs accepted since start.", Interlocked.Read(ref _jobsSubmitted));
        Counter(text, "fluxserve_jobs_completed_total", "Jobs completed since start.", Interlocked.Read(ref _jobsCompleted));
        Counter(text, "fluxserve_jobs_failed_total", "Jobs failed or cancelled since start.", Interlocked.Read(ref _jobsFailed));
        JobSeconds.WriteTo(text);
        QueueSeconds.WriteTo(text);
        StepSeconds.WriteTo(text);
        text.Append("# HELP fluxserve_device_memory_bytes Memory in use per device.\n# TYPE fluxserve_device_memory_bytes gauge\n");
        var totals = new StringBuilder();
        foreach (var device in devices)
        {
            text.Append("fluxserve_device_memory_bytes{device=\"").Append(device.Device).Append("\"} ")
                .Append(device.UsedBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
            totals.Append("fluxserve_device_memory_total_bytes{device=\"").Append(device.Device).Append("\"} ")
                .Append(device.TotalBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("# HELP fluxserve_device_memory_total_bytes Memory available per device.\n# TYPE fluxserve_device_memory_total_bytes gauge\n");
        text.Append(totals);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n")
            .Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n")
            .Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
