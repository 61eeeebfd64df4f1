using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>Eight float lanes (AVX/AVX2).</summary>
internal readonly struct SimdF256 : ISimdFloat<SimdF256>, ISimdPairSwap<SimdF256>
{
    public readonly Vector256<float> V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimdF256(Vector256<float> value) => V = value;

    public static int Count => Vector256<float>.Count;

    public static SimdF256 Zero => new(Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Create(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Load(ref readonly float source, nuint offset) => new(Vector256.LoadUnsafe(in source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdF256 value, ref float destination, nuint offset) => value.V.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 operator +(SimdF256 left, SimdF256 right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 operator -(SimdF256 left, SimdF256 right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 operator *(SimdF256 left, SimdF256 right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 operator /(SimdF256 left, SimdF256 right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 operator -(SimdF256 value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Fma(SimdF256 a, SimdF256 b, SimdF256 c) => new(Vector256.FusedMultiplyAdd(a.V, b.V, c.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Min(SimdF256 left, SimdF256 right) => new(Vector256.MinNative(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Max(SimdF256 left, SimdF256 right) => new(Vector256.MaxNative(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Abs(SimdF256 value) => new(Vector256.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Sqrt(SimdF256 value) => new(Vector256.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 LessThan(SimdF256 left, SimdF256 right) => new(Vector256.LessThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 GreaterThan(SimdF256 left, SimdF256 right) => new(Vector256.GreaterThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 IsNaN(SimdF256 value) => new(Vector256.IsNaN(value.V).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 Select(SimdF256 mask, SimdF256 ifTrue, SimdF256 ifFalse) => new(Vector256.ConditionalSelect(mask.V, ifTrue.V, ifFalse.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 ScaleByPowerOfTwo(SimdF256 x, SimdF256 n)
    {
        // Two factors 2^(n>>1) and 2^(n-(n>>1)) keep each one a normal float, so results that are subnormal or
        // just below overflow come out right instead of wrapping the exponent field.
        Vector256<int> exponent = Vector256.ConvertToInt32Native(n.V);
        Vector256<int> half = Vector256.ShiftRightArithmetic(exponent, 1);
        Vector256<int> bias = Vector256.Create(127);
        Vector256<float> first = Vector256.ShiftLeft(half + bias, 23).AsSingle();
        Vector256<float> second = Vector256.ShiftLeft(exponent - half + bias, 23).AsSingle();
        return new(x.V * first * second);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdF256 value) => Vector256.Sum(value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(SimdF256 value)
    {
        Vector128<float> m = Vector128.Max(value.V.GetLower(), value.V.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(m.ToScalar(), m.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF256 SwapPairs(SimdF256 value) => new(Vector256.Shuffle(value.V, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
}
