using FluxServe.Engine;
using FluxServe.Models.Layers;

namespace FluxServe.Models.Lora;

/// <summary>
/// The LoRA adapters active for the forward passes run in the calling flow: every named <see cref="LinearLayer"/>
/// adds the side paths of the active adapters that target it. The scope is per call, not global: it flows with the
/// <see cref="ExecutionContext"/> (an <see cref="AsyncLocal{T}"/>), so concurrent requests on other threads or
/// tasks, each with its own scope, never see each other's adapters while sharing one base model.
/// </summary>
/// <example><code>
/// using (LoraScope.Begin(adapter, strength: 0.8f))
/// {
///     using var v = transformer.Forward(img, imgIds, txt, txtIds, t, y, guidance);
/// }
/// </code></example>
/// <remarks>
/// A nested scope stacks its adapters on the enclosing scope's (LoRAs add, spec/lora.md §4); disposing it restores
/// the enclosing set. Scopes must be disposed innermost first, in the flow that opened them.
/// </remarks>
public sealed class LoraScope : IDisposable
{
    private static readonly AsyncLocal<LoraScope?> s_current = new();

    private readonly LoraScope? _outer;
    private readonly LoraActivation[] _active;
    private bool _disposed;

    private LoraScope(LoraScope? outer, LoraActivation[] active)
    {
        _outer = outer;
        _active = active;
    }

    /// <summary>The innermost open scope of the calling flow, or null.</summary>
    public static LoraScope? Current => s_current.Value;

    /// <summary>Every active adapter, the enclosing scopes' first.</summary>
    public IReadOnlyList<LoraActivation> Active => _active;

    /// <summary>Activates <paramref name="adapter"/> at <paramref name="strength"/> (text encoders too).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The strength is not finite.</exception>
    public static LoraScope Begin(LoraAdapter adapter, float strength) => Begin([new LoraActivation(adapter, strength)]);

    /// <summary>Activates adapters, each at its own strength, on top of the enclosing scope's.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A strength is not finite.</exception>
    public static LoraScope Begin(params ReadOnlySpan<LoraActivation> activations)
    {
        foreach (var a in activations)
        {
            ArgumentNullException.ThrowIfNull(a.Adapter, nameof(activations));
            if (!float.IsFinite(a.Strength) || !float.IsFinite(a.TextEncoderStrength))
            {
                throw new ArgumentOutOfRangeException(nameof(activations), $"LoRA '{a.Adapter.Name}': strengths must be finite, got {a.Strength} and {a.TextEncoderStrength}.");
            }
        }

        var outer = s_current.Value;
        LoraActivation[] active = outer is null ? activations.ToArray() : [.. outer._active, .. activations];
        var scope = new LoraScope(outer, active);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>True when an active adapter changes layer <paramref name="layerName"/> at a non-zero strength.</summary>
    public bool Adapts(string layerName)
    {
        foreach (var a in _active)
        {
            if (a.Adapter.TryGetTarget(layerName, out var target) && a.StrengthFor(target.Component) != 0f)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>act(x·(s·W)ᵀ + b + Σ side paths)</c> for a layer this scope <see cref="Adapts"/>.</summary>
    internal Tensor Forward(LinearLayer layer, Tensor x, Activation activation)
    {
        // Every term is relative to the base output (DoRA reads it), so it is kept until all are added.
        var baseOutput = layer.ForwardBase(x, Activation.None);
        var y = baseOutput;
        try
        {
            foreach (var a in _active)
            {
                if (!a.Adapter.TryGetTarget(layer.Name!, out var target))
                {
                    continue;
                }

                float strength = a.StrengthFor(target.Component);
                if (strength == 0f)
                {
                    continue;
                }

                target.CheckFits(layer, x.Device);
                var next = target.Apply(y, x, strength, layer, baseOutput);
                if (!ReferenceEquals(y, baseOutput))
                {
                    y.Dispose();
                }

                y = next;
            }

            if (activation != Activation.None)
            {
                var activated = y.Activate(activation);
                if (!ReferenceEquals(y, baseOutput))
                {
                    y.Dispose();
                }

                y = activated;
            }

            if (!ReferenceEquals(y, baseOutput))
            {
                baseOutput.Dispose();
            }

            return y;
        }
        catch
        {
            if (!ReferenceEquals(y, baseOutput))
            {
                y.Dispose();
            }

            baseOutput.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (!ReferenceEquals(s_current.Value, this))
        {
            throw new InvalidOperationException("LoRA scopes must be disposed innermost first, in the flow that opened them.");
        }

        _disposed = true;
        s_current.Value = _outer;
    }
}
