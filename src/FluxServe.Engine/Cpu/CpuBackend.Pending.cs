namespace FluxServe.Engine.Cpu;

// Operations not yet moved into their own files. Each is being implemented in CpuBackend.<Op>.cs.
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride, int padding) => throw new NotImplementedException();

    /// <inheritdoc />
    public Tensor Cast(Tensor x, DType dtype) => throw new NotImplementedException();
}
