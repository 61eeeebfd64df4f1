namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>The work of a parallel loop over items [start, end), as a struct so the JIT specialises the loop body.</summary>
internal interface IRangeBody
{
    /// <summary>Processes items <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    void Execute(int start, int end);
}
