namespace FluxServe.Engine.Cuda;

/// <summary>
/// Scratch tensors of one operation, disposed at its end. Disposal enqueues the free on the device's stream after the
/// kernels that read them, so no synchronisation is needed.
/// </summary>
internal sealed class TemporaryTensors : IDisposable
{
    private List<Tensor>? _tensors;

    /// <summary>Keeps <paramref name="tensor"/> until disposal and returns it.</summary>
    public Tensor Add(Tensor tensor)
    {
        (_tensors ??= []).Add(tensor);
        return tensor;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_tensors is null)
        {
            return;
        }

        foreach (var tensor in _tensors)
        {
            tensor.Dispose();
        }

        _tensors = null;
    }
}
