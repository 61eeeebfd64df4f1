using System.Runtime.CompilerServices;

namespace FluxServe.Pipelines.Noise;

/// <summary>One lane: the portable emulation of the AVX2 kernel, bit-identical to it on any CPU.</summary>
internal readonly struct ScalarLanes : IFloatLanes<float, int>
{
    public static int Count => 1;

    public static bool IsAccelerated => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BroadcastInt(int value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FusedMultiplyAdd(float left, float right, float addend) => MathF.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float value) => MathF.Sqrt(value);

    // maxps returns the second operand when either is NaN; inputs here are never NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float left, float right) => left > right ? left : right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float And(float left, float right) => AsFloat(AsInt(left) & AsInt(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Or(float left, float right) => AsFloat(AsInt(left) | AsInt(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Xor(float left, float right) => AsFloat(AsInt(left) ^ AsInt(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LessThan(float left, float right) => AsFloat(left < right ? -1 : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AsInt(float value) => BitConverter.SingleToInt32Bits(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AsFloat(int value) => BitConverter.Int32BitsToSingle(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ConvertToFloat(int value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TruncateToInt(float value) => (int)value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AddInt(int left, int right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SubtractInt(int left, int right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AndInt(int left, int right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AndNotInt(int left, int right) => ~left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EqualsInt(int left, int right) => left == right ? -1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ShiftLeft(int value, int count) => value << count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ShiftRightLogical(int value, int count) => (int)((uint)value >>> count);
}
