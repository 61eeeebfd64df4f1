namespace FluxServe.Engine;

/// <summary>
/// Disposes every tensor created on this thread while it is the innermost open scope, unless the tensor was
/// <see cref="Tensor.Detach">detached</see> (TorchSharp's <c>DisposeScope</c> idea): network code creates many
/// intermediates and returns one.
/// </summary>
/// <example><code>
/// using (var scope = TensorScope.Begin())
/// {
///     var h = x.Linear(w1, b1, Activation.GeluTanh);
///     return h.Linear(w2, b2).Detach();
/// }
/// </code></example>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? t_current;

    private readonly TensorScope? _outer;
    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    private TensorScope(TensorScope? outer) => _outer = outer;

    /// <summary>Opens a scope on this thread.</summary>
    public static TensorScope Begin()
    {
        var scope = new TensorScope(t_current);
        t_current = scope;
        return scope;
    }

    /// <summary>Number of tensors the scope will dispose.</summary>
    public int Count => _tensors.Count;

    internal static void Register(Tensor tensor) => t_current?._tensors.Add(tensor);

    internal static void Unregister(Tensor tensor)
    {
        var scope = t_current;
        if (scope is not null && scope._tensors.Remove(tensor))
        {
            scope._outer?._tensors.Add(tensor);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!ReferenceEquals(t_current, this))
        {
            throw new InvalidOperationException("Tensor scopes must be disposed innermost first, on the thread that opened them.");
        }

        t_current = _outer;
        foreach (var tensor in _tensors)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
