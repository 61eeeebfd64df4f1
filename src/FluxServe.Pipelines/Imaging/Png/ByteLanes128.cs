using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>128-bit byte lanes for the PNG filter kernels.</summary>
internal readonly struct ByteLanes128 : IByteLanes<Vector128<byte>>
{
    public static int Count => Vector128<byte>.Count;

    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    public static Vector128<byte> Zero => Vector128<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load(ref byte source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<byte> value, ref byte destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Add(Vector128<byte> left, Vector128<byte> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Subtract(Vector128<byte> left, Vector128<byte> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> AverageFloor(Vector128<byte> left, Vector128<byte> right) =>
        (left & right) + Vector128.ShiftRightLogical(left ^ right, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Paeth(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c)
    {
        var (aLow, aHigh) = Vector128.Widen(a);
        var (bLow, bHigh) = Vector128.Widen(b);
        var (cLow, cHigh) = Vector128.Widen(c);
        var low = PaethWide(aLow.AsInt16(), bLow.AsInt16(), cLow.AsInt16());
        var high = PaethWide(aHigh.AsInt16(), bHigh.AsInt16(), cHigh.AsInt16());
        return Vector128.Narrow(low.AsUInt16(), high.AsUInt16());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> AccumulateSignedMagnitudes(Vector128<byte> sums, Vector128<byte> bytes)
    {
        var magnitudes = Vector128.Abs(bytes.AsSByte()).AsUInt16();
        var counters = sums.AsUInt16() + (magnitudes & Vector128.Create((ushort)0xFF)) + Vector128.ShiftRightLogical(magnitudes, 8);
        return counters.AsByte();
    }

    public static uint SumCounters(Vector128<byte> sums)
    {
        var (low, high) = Vector128.Widen(sums.AsUInt16());
        return Vector128.Sum(low + high);
    }

    /// <summary>Paeth on 16-bit lanes holding 0..255: p = a + b − c, pick the nearest of a, b, c (ties a, then b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<short> PaethWide(Vector128<short> a, Vector128<short> b, Vector128<short> c)
    {
        var pa = Vector128.Abs(b - c);
        var pb = Vector128.Abs(a - c);
        var pc = Vector128.Abs(a + b - c - c);
        var useA = Vector128.LessThanOrEqual(pa, pb) & Vector128.LessThanOrEqual(pa, pc);
        var useB = Vector128.LessThanOrEqual(pb, pc);
        return Vector128.ConditionalSelect(useA, a, Vector128.ConditionalSelect(useB, b, c));
    }
}
