using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>Sixteen float lanes (AVX-512).</summary>
internal readonly struct SimdF512 : ISimdFloat<SimdF512>, ISimdPairSwap<SimdF512>
{
    public readonly Vector512<float> V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimdF512(Vector512<float> value) => V = value;

    public static int Count => Vector512<float>.Count;

    public static SimdF512 Zero => new(Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Create(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Load(ref readonly float source, nuint offset) => new(Vector512.LoadUnsafe(in source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdF512 value, ref float destination, nuint offset) => value.V.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 operator +(SimdF512 left, SimdF512 right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 operator -(SimdF512 left, SimdF512 right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 operator *(SimdF512 left, SimdF512 right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 operator /(SimdF512 left, SimdF512 right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 operator -(SimdF512 value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Fma(SimdF512 a, SimdF512 b, SimdF512 c) => new(Vector512.FusedMultiplyAdd(a.V, b.V, c.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Min(SimdF512 left, SimdF512 right) => new(Vector512.MinNative(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Max(SimdF512 left, SimdF512 right) => new(Vector512.MaxNative(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Abs(SimdF512 value) => new(Vector512.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Sqrt(SimdF512 value) => new(Vector512.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 LessThan(SimdF512 left, SimdF512 right) => new(Vector512.LessThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 GreaterThan(SimdF512 left, SimdF512 right) => new(Vector512.GreaterThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 IsNaN(SimdF512 value) => new(Vector512.IsNaN(value.V).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 Select(SimdF512 mask, SimdF512 ifTrue, SimdF512 ifFalse) => new(Vector512.ConditionalSelect(mask.V, ifTrue.V, ifFalse.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 ScaleByPowerOfTwo(SimdF512 x, SimdF512 n)
    {
        // Two factors 2^(n>>1) and 2^(n-(n>>1)) keep each one a normal float, so results that are subnormal or
        // just below overflow come out right instead of wrapping the exponent field.
        Vector512<int> exponent = Vector512.ConvertToInt32Native(n.V);
        Vector512<int> half = Vector512.ShiftRightArithmetic(exponent, 1);
        Vector512<int> bias = Vector512.Create(127);
        Vector512<float> first = Vector512.ShiftLeft(half + bias, 23).AsSingle();
        Vector512<float> second = Vector512.ShiftLeft(exponent - half + bias, 23).AsSingle();
        return new(x.V * first * second);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdF512 value) => Vector512.Sum(value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(SimdF512 value)
    {
        Vector256<float> m256 = Vector256.Max(value.V.GetLower(), value.V.GetUpper());
        Vector128<float> m = Vector128.Max(m256.GetLower(), m256.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(m.ToScalar(), m.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF512 SwapPairs(SimdF512 value) => new(Vector512.Shuffle(value.V, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)));
}
