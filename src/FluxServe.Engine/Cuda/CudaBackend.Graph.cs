using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

public sealed partial class CudaBackend
{
    /// <summary>
    /// Records what <paramref name="body"/> enqueues (on this thread) into a <see cref="CudaGraph"/> instead of
    /// running it. Nothing executes during the capture; <see cref="CudaGraph.Launch"/> runs it.
    /// </summary>
    /// <exception cref="CudaException">The body did something a graph cannot hold (a host copy, a synchronisation).</exception>
    public CudaGraph Capture(Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        _runtime.MakeCurrent();
        CudaDriver.Check(CudaDriver.cuStreamBeginCapture_v2(_runtime.Stream, CudaDriver.StreamCaptureModeThreadLocal), "cuStreamBeginCapture");
        nint graph;
        try
        {
            body();
        }
        catch
        {
            // End the capture so the stream is usable again; the partial graph is discarded.
            if (CudaDriver.cuStreamEndCapture(_runtime.Stream, out graph) == CudaDriver.Success && graph != 0)
            {
                _ = CudaDriver.cuGraphDestroy(graph);
            }

            throw;
        }

        CudaDriver.Check(CudaDriver.cuStreamEndCapture(_runtime.Stream, out graph), "cuStreamEndCapture");
        var graphHandle = new CudaGraphHandle(graph, _runtime.ContextPointer);
        int status = CudaDriver.cuGraphInstantiateWithFlags(out nint executable, graph, CudaDriver.GraphInstantiateAutoFreeOnLaunch);
        if (status != CudaDriver.Success)
        {
            graphHandle.Dispose();
            throw new CudaException("cuGraphInstantiateWithFlags", status, CudaDriver.Describe(status));
        }

        return new CudaGraph(_runtime, graphHandle, new CudaGraphExecHandle(executable, _runtime.ContextPointer));
    }

    /// <summary>Starts a device-side timer on the stream (CUDA events): what is enqueued until <see cref="CudaTimer.Stop"/> is timed.</summary>
    public CudaTimer StartTimer() => new(_runtime);
}
