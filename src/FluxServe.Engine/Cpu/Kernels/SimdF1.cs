using System.Runtime.CompilerServices;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// One float lane: the scalar instance of <see cref="ISimdFloat{TSelf}"/>, so the same generic kernel is also the
/// portable fallback (and the reference the vector widths are tested against). Masks are floats with all bits set.
/// </summary>
internal readonly struct SimdF1 : ISimdFloat<SimdF1>
{
    public readonly float V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimdF1(float value) => V = value;

    public static int Count => 1;

    public static SimdF1 Zero => default;

    private static float AllBits => BitConverter.Int32BitsToSingle(-1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Load(ref readonly float source, nuint offset) => new(Unsafe.Add(ref Unsafe.AsRef(in source), offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdF1 value, ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = value.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 operator +(SimdF1 left, SimdF1 right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 operator -(SimdF1 left, SimdF1 right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 operator *(SimdF1 left, SimdF1 right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 operator /(SimdF1 left, SimdF1 right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 operator -(SimdF1 value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Fma(SimdF1 a, SimdF1 b, SimdF1 c) => new(MathF.FusedMultiplyAdd(a.V, b.V, c.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Min(SimdF1 left, SimdF1 right) => new(left.V < right.V ? left.V : right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Max(SimdF1 left, SimdF1 right) => new(left.V > right.V ? left.V : right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Abs(SimdF1 value) => new(MathF.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Sqrt(SimdF1 value) => new(MathF.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 LessThan(SimdF1 left, SimdF1 right) => new(left.V < right.V ? AllBits : 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 GreaterThan(SimdF1 left, SimdF1 right) => new(left.V > right.V ? AllBits : 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 IsNaN(SimdF1 value) => new(float.IsNaN(value.V) ? AllBits : 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 Select(SimdF1 mask, SimdF1 ifTrue, SimdF1 ifFalse) =>
        BitConverter.SingleToInt32Bits(mask.V) != 0 ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF1 ScaleByPowerOfTwo(SimdF1 x, SimdF1 n)
    {
        int exponent = (int)n.V;
        int half = exponent >> 1;
        float first = BitConverter.Int32BitsToSingle((half + 127) << 23);
        float second = BitConverter.Int32BitsToSingle((exponent - half + 127) << 23);
        return new(x.V * first * second);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdF1 value) => value.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(SimdF1 value) => value.V;
}
