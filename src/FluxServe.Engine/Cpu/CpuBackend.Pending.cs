namespace FluxServe.Engine.Cpu;

// Operations not yet moved into their own files. Each is being implemented in CpuBackend.<Op>.cs.
public sealed partial class CpuBackend
{
}
