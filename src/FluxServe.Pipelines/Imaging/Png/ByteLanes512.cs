using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>512-bit byte lanes for the PNG filter kernels.</summary>
internal readonly struct ByteLanes512 : IByteLanes<Vector512<byte>>
{
    public static int Count => Vector512<byte>.Count;

    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    public static Vector512<byte> Zero => Vector512<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Load(ref byte source) => Vector512.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<byte> value, ref byte destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Add(Vector512<byte> left, Vector512<byte> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Subtract(Vector512<byte> left, Vector512<byte> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> AverageFloor(Vector512<byte> left, Vector512<byte> right) =>
        (left & right) + Vector512.ShiftRightLogical(left ^ right, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Paeth(Vector512<byte> a, Vector512<byte> b, Vector512<byte> c)
    {
        var (aLow, aHigh) = Vector512.Widen(a);
        var (bLow, bHigh) = Vector512.Widen(b);
        var (cLow, cHigh) = Vector512.Widen(c);
        var low = PaethWide(aLow.AsInt16(), bLow.AsInt16(), cLow.AsInt16());
        var high = PaethWide(aHigh.AsInt16(), bHigh.AsInt16(), cHigh.AsInt16());
        return Vector512.Narrow(low.AsUInt16(), high.AsUInt16());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> AccumulateSignedMagnitudes(Vector512<byte> sums, Vector512<byte> bytes)
    {
        var magnitudes = Vector512.Abs(bytes.AsSByte()).AsUInt16();
        var counters = sums.AsUInt16() + (magnitudes & Vector512.Create((ushort)0xFF)) + Vector512.ShiftRightLogical(magnitudes, 8);
        return counters.AsByte();
    }

    public static uint SumCounters(Vector512<byte> sums)
    {
        var (low, high) = Vector512.Widen(sums.AsUInt16());
        return Vector512.Sum(low + high);
    }

    /// <summary>Paeth on 16-bit lanes holding 0..255: p = a + b − c, pick the nearest of a, b, c (ties a, then b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> PaethWide(Vector512<short> a, Vector512<short> b, Vector512<short> c)
    {
        var pa = Vector512.Abs(b - c);
        var pb = Vector512.Abs(a - c);
        var pc = Vector512.Abs(a + b - c - c);
        var useA = Vector512.LessThanOrEqual(pa, pb) & Vector512.LessThanOrEqual(pa, pc);
        var useB = Vector512.LessThanOrEqual(pb, pc);
        return Vector512.ConditionalSelect(useA, a, Vector512.ConditionalSelect(useB, b, c));
    }
}
