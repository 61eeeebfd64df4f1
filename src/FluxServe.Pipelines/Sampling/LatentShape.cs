namespace FluxServe.Pipelines.Sampling;

/// <summary>The shape of a batch of latents, <c>[Batch, Channels, Height, Width]</c> (FLUX: 16 channels at 1/8 scale).</summary>
/// <param name="Batch">Number of samples.</param>
/// <param name="Channels">Latent channels.</param>
/// <param name="Height">Latent rows.</param>
/// <param name="Width">Latent columns.</param>
public readonly record struct LatentShape(int Batch, int Channels, int Height, int Width)
{
    /// <summary>Elements of one sample.</summary>
    public int SampleLength => Channels * Height * Width;

    /// <summary>Elements of the whole batch.</summary>
    public int Length => Batch * SampleLength;

    /// <summary>The shape as a tensor shape array.</summary>
    public int[] ToArray() => [Batch, Channels, Height, Width];

    /// <summary>The shape of a 4-dimensional tensor shape.</summary>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is not 4-dimensional with positive sizes.</exception>
    public static LatentShape From(ReadOnlySpan<int> shape)
    {
        if (shape.Length != 4 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0)
        {
            throw new ArgumentException($"A latent shape is [batch, channels, height, width] with positive sizes, not [{string.Join(", ", shape.ToArray())}].", nameof(shape));
        }

        return new LatentShape(shape[0], shape[1], shape[2], shape[3]);
    }

    /// <inheritdoc />
    public override string ToString() => $"[{Batch}, {Channels}, {Height}, {Width}]";
}
