namespace FluxServe.Server.Tests.Inputs;

/// <summary>How much of a streamed test body a handler wrote, and when it stopped.</summary>
public sealed class StreamedBody
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;

    public long Written => Interlocked.Read(ref _written);

    public Task Finished => _finished.Task;

    public void Add(long bytes) => Interlocked.Add(ref _written, bytes);

    public void Finish() => _finished.TrySetResult();
}
