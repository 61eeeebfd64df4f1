using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// A stored element type of the B operand, widened to float32 while B is packed (DESIGN.md "CPU backend": weights
/// stay bf16/fp8 in memory; no widened copy of a whole weight is ever made). The packers are generic over it so the
/// JIT specialises each loop per dtype. The vector loads are only called on the ISA whose kernel uses them.
/// </summary>
internal unsafe interface IPackElement
{
    /// <summary>Bytes per element.</summary>
    static abstract int Size { get; }

    /// <summary>Widens the element at <paramref name="p"/>.</summary>
    static abstract float Load(byte* p);

    /// <summary>Widens 16 consecutive elements (AVX-512 path).</summary>
    static abstract Vector512<float> Load16(byte* p);

    /// <summary>Widens 8 consecutive elements (AVX2 path).</summary>
    static abstract Vector256<float> Load8(byte* p);
}

/// <summary>float32: loaded as is.</summary>
internal readonly unsafe struct F32Element : IPackElement
{
    public static int Size => 4;

    public static float Load(byte* p) => *(float*)p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) => Vector512.Load((float*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) => Vector256.Load((float*)p);
}

/// <summary>bfloat16: zero-extend and shift.</summary>
internal readonly unsafe struct BF16Element : IPackElement
{
    public static int Size => 2;

    public static float Load(byte* p) => BFloat16Conversion.ToSingle(*(ushort*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) =>
        BFloat16Conversion.Widening.Vector(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) =>
        BFloat16Conversion.Widening.Vector(Avx2.ConvertToVector256Int32((ushort*)p).AsUInt32());
}

/// <summary>IEEE binary16.</summary>
internal readonly unsafe struct F16Element : IPackElement
{
    public static int Size => 2;

    public static float Load(byte* p) => HalfConversion.ToSingle(*(ushort*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) =>
        HalfConversion.Widening.Vector(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) =>
        HalfConversion.Widening.Vector(Avx2.ConvertToVector256Int32((ushort*)p).AsUInt32());
}

/// <summary>float8 e4m3fn.</summary>
internal readonly unsafe struct F8E4M3FNElement : IPackElement
{
    public static int Size => 1;

    public static float Load(byte* p) => Float8E4M3FNConversion.ToSingle(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) =>
        Float8E4M3FNConversion.Widening.Vector(Avx512F.ConvertToVector512UInt32(Vector128.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) =>
        Float8E4M3FNConversion.Widening.Vector(Avx2.ConvertToVector256Int32(p).AsUInt32());
}

/// <summary>float8 e5m2.</summary>
internal readonly unsafe struct F8E5M2Element : IPackElement
{
    public static int Size => 1;

    public static float Load(byte* p) => Float8E5M2Conversion.ToSingle(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) =>
        Float8E5M2Conversion.Widening.Vector(Avx512F.ConvertToVector512UInt32(Vector128.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) =>
        Float8E5M2Conversion.Widening.Vector(Avx2.ConvertToVector256Int32(p).AsUInt32());
}
