using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>Four float lanes (SSE/NEON).</summary>
internal readonly struct SimdF128 : ISimdFloat<SimdF128>, ISimdPairSwap<SimdF128>
{
    public readonly Vector128<float> V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimdF128(Vector128<float> value) => V = value;

    public static int Count => Vector128<float>.Count;

    public static SimdF128 Zero => new(Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Create(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Load(ref readonly float source, nuint offset) => new(Vector128.LoadUnsafe(in source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdF128 value, ref float destination, nuint offset) => value.V.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 operator +(SimdF128 left, SimdF128 right) => new(left.V + right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 operator -(SimdF128 left, SimdF128 right) => new(left.V - right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 operator *(SimdF128 left, SimdF128 right) => new(left.V * right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 operator /(SimdF128 left, SimdF128 right) => new(left.V / right.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 operator -(SimdF128 value) => new(-value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Fma(SimdF128 a, SimdF128 b, SimdF128 c) => new(Vector128.FusedMultiplyAdd(a.V, b.V, c.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Min(SimdF128 left, SimdF128 right) => new(Vector128.MinNative(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Max(SimdF128 left, SimdF128 right) => new(Vector128.MaxNative(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Abs(SimdF128 value) => new(Vector128.Abs(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Sqrt(SimdF128 value) => new(Vector128.Sqrt(value.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 LessThan(SimdF128 left, SimdF128 right) => new(Vector128.LessThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 GreaterThan(SimdF128 left, SimdF128 right) => new(Vector128.GreaterThan(left.V, right.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 IsNaN(SimdF128 value) => new(Vector128.IsNaN(value.V).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 Select(SimdF128 mask, SimdF128 ifTrue, SimdF128 ifFalse) => new(Vector128.ConditionalSelect(mask.V, ifTrue.V, ifFalse.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 ScaleByPowerOfTwo(SimdF128 x, SimdF128 n)
    {
        // Two factors 2^(n>>1) and 2^(n-(n>>1)) keep each one a normal float, so results that are subnormal or
        // just below overflow come out right instead of wrapping the exponent field.
        Vector128<int> exponent = Vector128.ConvertToInt32Native(n.V);
        Vector128<int> half = Vector128.ShiftRightArithmetic(exponent, 1);
        Vector128<int> bias = Vector128.Create(127);
        Vector128<float> first = Vector128.ShiftLeft(half + bias, 23).AsSingle();
        Vector128<float> second = Vector128.ShiftLeft(exponent - half + bias, 23).AsSingle();
        return new(x.V * first * second);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdF128 value) => Vector128.Sum(value.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(SimdF128 value)
    {
        Vector128<float> m = Vector128.Max(value.V, Vector128.Shuffle(value.V, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(m.ToScalar(), m.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdF128 SwapPairs(SimdF128 value) => new(Vector128.Shuffle(value.V, Vector128.Create(1, 0, 3, 2)));
}
