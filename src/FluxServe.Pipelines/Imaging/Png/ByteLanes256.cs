using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>256-bit byte lanes for the PNG filter kernels.</summary>
internal readonly struct ByteLanes256 : IByteLanes<Vector256<byte>>
{
    public static int Count => Vector256<byte>.Count;

    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    public static Vector256<byte> Zero => Vector256<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(ref byte source) => Vector256.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<byte> value, ref byte destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Add(Vector256<byte> left, Vector256<byte> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Subtract(Vector256<byte> left, Vector256<byte> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> AverageFloor(Vector256<byte> left, Vector256<byte> right) =>
        (left & right) + Vector256.ShiftRightLogical(left ^ right, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Paeth(Vector256<byte> a, Vector256<byte> b, Vector256<byte> c)
    {
        var (aLow, aHigh) = Vector256.Widen(a);
        var (bLow, bHigh) = Vector256.Widen(b);
        var (cLow, cHigh) = Vector256.Widen(c);
        var low = PaethWide(aLow.AsInt16(), bLow.AsInt16(), cLow.AsInt16());
        var high = PaethWide(aHigh.AsInt16(), bHigh.AsInt16(), cHigh.AsInt16());
        return Vector256.Narrow(low.AsUInt16(), high.AsUInt16());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> AccumulateSignedMagnitudes(Vector256<byte> sums, Vector256<byte> bytes)
    {
        var magnitudes = Vector256.Abs(bytes.AsSByte()).AsUInt16();
        var counters = sums.AsUInt16() + (magnitudes & Vector256.Create((ushort)0xFF)) + Vector256.ShiftRightLogical(magnitudes, 8);
        return counters.AsByte();
    }

    public static uint SumCounters(Vector256<byte> sums)
    {
        var (low, high) = Vector256.Widen(sums.AsUInt16());
        return Vector256.Sum(low + high);
    }

    /// <summary>Paeth on 16-bit lanes holding 0..255: p = a + b − c, pick the nearest of a, b, c (ties a, then b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> PaethWide(Vector256<short> a, Vector256<short> b, Vector256<short> c)
    {
        var pa = Vector256.Abs(b - c);
        var pb = Vector256.Abs(a - c);
        var pc = Vector256.Abs(a + b - c - c);
        var useA = Vector256.LessThanOrEqual(pa, pb) & Vector256.LessThanOrEqual(pa, pc);
        var useB = Vector256.LessThanOrEqual(pb, pc);
        return Vector256.ConditionalSelect(useA, a, Vector256.ConditionalSelect(useB, b, c));
    }
}
