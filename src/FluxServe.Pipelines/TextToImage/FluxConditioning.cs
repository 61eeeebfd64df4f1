using FluxServe.Engine;

namespace FluxServe.Pipelines.TextToImage;

/// <summary>
/// A prompt as the transformer reads it: T5 token states [1, L, 4096], their ids' positions (all zero) and the CLIP
/// pooled vector [1, 768]. One prompt serves every image of a batch.
/// </summary>
public sealed class FluxConditioning : IDisposable
{
    /// <summary>Takes ownership of the two tensors.</summary>
    public FluxConditioning(Tensor tokens, Tensor pooled)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(pooled);
        Tokens = tokens;
        Pooled = pooled;
    }

    /// <summary>T5 states [1, L, C].</summary>
    public Tensor Tokens { get; }

    /// <summary>CLIP pooled vector [1, V].</summary>
    public Tensor Pooled { get; }

    /// <summary>The states and vector repeated for a batch of <paramref name="batch"/> (views when batch is 1).</summary>
    public (Tensor Tokens, Tensor Pooled) ForBatch(int batch)
    {
        if (batch == 1)
        {
            return (Tokens.Reshape(Tokens.Shape), Pooled.Reshape(Pooled.Shape));
        }

        var backend = Tokens.Backend;
        return (backend.Concat(Enumerable.Repeat(Tokens, batch).ToArray(), 0), backend.Concat(Enumerable.Repeat(Pooled, batch).ToArray(), 0));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Tokens.Dispose();
        Pooled.Dispose();
    }
}
