namespace FluxServe.Pipelines.Noise;

/// <summary>
/// The float32/int32 lane operations the avx_mathfun kernels need, as static abstract members so that one generic
/// algorithm (<see cref="AvxMathFun"/>) is specialised by the JIT for scalar, 128-, 256- and 512-bit lanes. Every
/// implementation must give IEEE-754 results per lane (fused multiply-add rounded once), so all widths produce
/// identical bits.
/// </summary>
/// <typeparam name="TF">Float lanes.</typeparam>
/// <typeparam name="TI">Int32 lanes of the same width.</typeparam>
internal interface IFloatLanes<TF, TI>
    where TF : struct
    where TI : struct
{
    /// <summary>Lanes per value.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs on hardware vector units (with FMA) on this machine.</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TF Broadcast(float value);

    static abstract TI BroadcastInt(int value);

    /// <summary>Reads <see cref="Count"/> lanes from <paramref name="source"/> (see the implementation for the layout).</summary>
    static abstract TF Load(ref float source);

    /// <summary>Writes lanes in the layout of <see cref="Load"/>.</summary>
    static abstract void Store(TF value, ref float destination);

    static abstract TF Add(TF left, TF right);

    static abstract TF Subtract(TF left, TF right);

    static abstract TF Multiply(TF left, TF right);

    /// <summary><c>left·right + addend</c> rounded once.</summary>
    static abstract TF FusedMultiplyAdd(TF left, TF right, TF addend);

    static abstract TF Sqrt(TF value);

    static abstract TF Max(TF left, TF right);

    static abstract TF And(TF left, TF right);

    static abstract TF Or(TF left, TF right);

    static abstract TF Xor(TF left, TF right);

    /// <summary>All bits set in lanes where <c>left &lt; right</c> (ordered), else zero.</summary>
    static abstract TF LessThan(TF left, TF right);

    static abstract TI AsInt(TF value);

    static abstract TF AsFloat(TI value);

    /// <summary>int32 → float32, rounding to nearest (<c>cvtdq2ps</c>).</summary>
    static abstract TF ConvertToFloat(TI value);

    /// <summary>float32 → int32 truncating toward zero (<c>cvttps2dq</c>; inputs here are small and non-negative).</summary>
    static abstract TI TruncateToInt(TF value);

    static abstract TI AddInt(TI left, TI right);

    static abstract TI SubtractInt(TI left, TI right);

    static abstract TI AndInt(TI left, TI right);

    /// <summary><c>~left &amp; right</c> (<c>andnot</c>).</summary>
    static abstract TI AndNotInt(TI left, TI right);

    /// <summary>All bits set where the lanes are equal.</summary>
    static abstract TI EqualsInt(TI left, TI right);

    static abstract TI ShiftLeft(TI value, int count);

    static abstract TI ShiftRightLogical(TI value, int count);
}
