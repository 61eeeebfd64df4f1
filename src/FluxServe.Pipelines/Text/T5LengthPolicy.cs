namespace FluxServe.Pipelines.Text;

/// <summary>
/// How long a T5 id sequence is (spec text-encoders §3): sequences longer than <see cref="MaxLength"/> are cut to
/// it keeping the final &lt;/s&gt;; shorter ones are right-padded with &lt;pad&gt; up to <see cref="PadToLength"/>.
/// </summary>
/// <param name="PadToLength">Pad up to this many ids (0: no padding).</param>
/// <param name="MaxLength">Truncate to this many ids, the last one &lt;/s&gt; (0: never truncate).</param>
public readonly record struct T5LengthPolicy(int PadToLength, int MaxLength)
{
    /// <summary>BFL FLUX.1-schnell: exactly 256 ids, truncating.</summary>
    public static T5LengthPolicy BflSchnell => new(256, 256);

    /// <summary>BFL FLUX.1-dev: exactly 512 ids, truncating.</summary>
    public static T5LengthPolicy BflDev => new(512, 512);

    /// <summary>ComfyUI's Flux T5: padded to at least 256 ids, never truncated.</summary>
    public static T5LengthPolicy ComfyUi => new(256, 0);

    /// <summary>No padding and no truncation: the pieces and &lt;/s&gt;.</summary>
    public static T5LengthPolicy Unpadded => new(0, 0);

    /// <summary>diffusers <c>FluxPipeline</c>: exactly <paramref name="maxSequenceLength"/> ids (default 512), truncating.</summary>
    public static T5LengthPolicy Diffusers(int maxSequenceLength = 512) => new(maxSequenceLength, maxSequenceLength);

    /// <summary>The final length for <paramref name="unpaddedLength"/> ids (content + &lt;/s&gt;).</summary>
    public int LengthFor(int unpaddedLength)
    {
        var kept = MaxLength > 0 ? Math.Min(unpaddedLength, MaxLength) : unpaddedLength;
        return Math.Max(kept, PadToLength);
    }
}
