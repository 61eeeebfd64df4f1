namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// A register of float32 lanes (a <c>Vector512/256/128&lt;float&gt;</c> or a single float), so that a kernel is written
/// once as a generic method and the JIT specialises it per width (STYLE.md "Hot paths"). Comparisons return lane
/// masks of the same type (all bits set where true), to be consumed by <see cref="Select"/>.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface ISimdFloat<TSelf>
    where TSelf : struct, ISimdFloat<TSelf>
{
    /// <summary>Number of float lanes.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>All lanes <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Loads <see cref="Count"/> floats from <paramref name="source"/> + <paramref name="offset"/> (unaligned, unchecked).</summary>
    static abstract TSelf Load(ref readonly float source, nuint offset);

    /// <summary>Stores the lanes at <paramref name="destination"/> + <paramref name="offset"/> (unaligned, unchecked).</summary>
    static abstract void Store(TSelf value, ref float destination, nuint offset);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf value);

    /// <summary><c>a·b + c</c> with one rounding.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);

    /// <summary>Lane-wise minimum; which operand a NaN lane yields is unspecified.</summary>
    static abstract TSelf Min(TSelf left, TSelf right);

    /// <summary>Lane-wise maximum; which operand a NaN lane yields is unspecified.</summary>
    static abstract TSelf Max(TSelf left, TSelf right);

    /// <summary>Lane-wise |x|.</summary>
    static abstract TSelf Abs(TSelf value);

    /// <summary>Lane-wise square root.</summary>
    static abstract TSelf Sqrt(TSelf value);

    /// <summary>Mask of lanes where <paramref name="left"/> &lt; <paramref name="right"/>.</summary>
    static abstract TSelf LessThan(TSelf left, TSelf right);

    /// <summary>Mask of lanes where <paramref name="left"/> &gt; <paramref name="right"/>.</summary>
    static abstract TSelf GreaterThan(TSelf left, TSelf right);

    /// <summary>Mask of lanes that are NaN.</summary>
    static abstract TSelf IsNaN(TSelf value);

    /// <summary>Per lane, <paramref name="ifTrue"/> where <paramref name="mask"/> is set, otherwise <paramref name="ifFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf ifTrue, TSelf ifFalse);

    /// <summary><c>x · 2ⁿ</c> for lanes of <paramref name="n"/> holding integers in [−252, 254].</summary>
    static abstract TSelf ScaleByPowerOfTwo(TSelf x, TSelf n);

    /// <summary>Sum of the lanes.</summary>
    static abstract float Sum(TSelf value);

    /// <summary>Largest lane (NaN lanes are ignored unless all are NaN).</summary>
    static abstract float MaxAcross(TSelf value);
}
