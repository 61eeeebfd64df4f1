namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// The byte-lane operations the PNG filter kernels need, as static abstract members so that one generic kernel
/// (<see cref="PngFilterKernels"/>) is specialised by the JIT for 128-, 256- and 512-bit vectors. All arithmetic is
/// modulo 256, as PNG filters are (PNG spec §9).
/// </summary>
/// <typeparam name="TV">A vector of bytes.</typeparam>
internal interface IByteLanes<TV>
    where TV : struct
{
    /// <summary>Bytes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs on hardware vector units on this machine.</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(ref byte source);

    static abstract void Store(TV value, ref byte destination);

    static abstract TV Add(TV left, TV right);

    static abstract TV Subtract(TV left, TV right);

    /// <summary><c>⌊(left + right) / 2⌋</c> per byte, without overflow: the Average filter's predictor.</summary>
    static abstract TV AverageFloor(TV left, TV right);

    /// <summary>The Paeth predictor (PNG spec §9.4) of left <paramref name="a"/>, up <paramref name="b"/>, up-left <paramref name="c"/>.</summary>
    static abstract TV Paeth(TV a, TV b, TV c);

    /// <summary>
    /// Adds the magnitude of each byte read as signed (|−128| = 128) to <paramref name="sums"/>, a vector of 16-bit
    /// counters, each of which grows by at most 2 × 128 per call.
    /// </summary>
    static abstract TV AccumulateSignedMagnitudes(TV sums, TV bytes);

    /// <summary>The sum of the 16-bit counters of <paramref name="sums"/>.</summary>
    static abstract uint SumCounters(TV sums);
}
