namespace FluxServe.Engine.Cuda;

/// <summary>
/// Converted copies of small parameters (a bf16 bias read by a float32 kernel, a float32 norm weight in a bf16 GEMM
/// epilogue), keyed by the source storage object, its offset and length, and the target dtype. An entry lives as long
/// as its source storage: entries whose source was released are dropped on the next insertion or lookup miss.
/// </summary>
/// <remarks>
/// Holds raw <see cref="CudaStorage"/> rather than tensors, so that no <see cref="TensorScope"/> ever owns a cached
/// copy. Only for parameters, which are never written after loading; an activation is never passed here.
/// </remarks>
internal sealed class ConvertedParameterCache
{
    /// <summary>Parameters up to this many elements are cached (a VAE 3×3 conv weight has 2.4M).</summary>
    public const long MaxElements = 16L << 20;

    private readonly CudaBackend _backend;
    private readonly Lock _gate = new();
    private readonly Dictionary<Key, CudaStorage> _entries = [];

    public ConvertedParameterCache(CudaBackend backend) => _backend = backend;

    /// <summary>The device address of <paramref name="parameter"/> converted to <paramref name="dtype"/>.</summary>
    public nint Get(Tensor parameter, DType dtype)
    {
        var key = new Key(parameter.Storage, parameter.ByteOffset, parameter.Length, parameter.DType, dtype);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var hit))
            {
                return hit.Pointer;
            }

            DropReleased();
            var storage = new CudaStorage(_backend.Runtime, parameter.Length * dtype.SizeOf());
            _backend.CastInto(parameter.Pointer, parameter.DType, storage.Pointer, dtype, parameter.Length);
            _entries[key] = storage;
            return storage.Pointer;
        }
    }

    /// <summary>Releases every entry.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var storage in _entries.Values)
            {
                storage.Release();
            }

            _entries.Clear();
        }
    }

    private void DropReleased()
    {
        List<Key>? dead = null;
        foreach (var (key, _) in _entries)
        {
            if (key.Source.IsReleased)
            {
                (dead ??= []).Add(key);
            }
        }

        if (dead is null)
        {
            return;
        }

        foreach (var key in dead)
        {
            _entries.Remove(key, out var storage);
            storage!.Release();
        }
    }

    private readonly record struct Key(TensorStorage Source, long ByteOffset, long Length, DType From, DType To);
}
