using System.Runtime.CompilerServices;
using FluxServe.Engine.Cpu.Kernels;
using FluxServe.Engine.Numerics;

namespace FluxServe.Engine.Cpu;

public sealed partial class CpuBackend
{
    // Elements converted per step through the float32 staging buffer (16 KB on the stack).
    private const int CastChunk = 4096;

    /// <inheritdoc />
    /// <remarks>
    /// <para>Between float formats the value goes through float32 (widening is exact), then narrows once with round to
    /// nearest even by the <see cref="Numerics"/> conversions (PyTorch's c10 rules: F16 overflows to ±∞, F8E4M3FN to
    /// NaN, BF16 and F8E5M2 to ±∞).</para>
    /// <para>Integers to a float format round once, correctly: I32/I64 → F32 directly; to the narrower formats through
    /// a float32 rounded to odd, which then rounds to nearest even exactly as the direct conversion would.</para>
    /// <para>Floats to integers truncate toward zero like a C cast; NaN becomes 0 and values beyond I32/I64 saturate
    /// (C leaves these undefined); U8 wraps modulo 256 after truncation to I64, as PyTorch on x86 does
    /// (−1.0 → 255). Integer narrowing wraps (two's complement). Bool is x ≠ 0 (NaN is true); Bool reads any non-zero
    /// byte as 1.</para>
    /// </remarks>
    public Tensor Cast(Tensor x, DType dtype)
    {
        TensorChecks.RequireCpu(x, nameof(x));
        _ = dtype.SizeOf();
        var y = Allocate(x.Shape, dtype, zero: false);
        if (x.DType == dtype)
        {
            x.AsBytes().CopyTo(y.AsBytes());
            return y;
        }

        unsafe
        {
            int chunks = checked((int)((x.Length + CastChunk - 1) / CastChunk));
            ParallelRange.For(chunks, 4L * CastChunk, new CastChunks((byte*)x.Pointer, x.DType, (byte*)y.Pointer, dtype, x.Length));
        }

        return y;
    }

    private readonly unsafe struct CastChunks(byte* source, DType from, byte* destination, DType to, long length) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            Span<float> staging = stackalloc float[CastChunk];
            for (int chunk = start; chunk < end; chunk++)
            {
                long first = (long)chunk * CastChunk;
                int n = (int)Math.Min(CastChunk, length - first);
                byte* src = source + (first * from.SizeOf());
                byte* dst = destination + (first * to.SizeOf());
                Span<float> values = staging[..n];
                if (from.IsFloatingPoint() && to.IsFloatingPoint())
                {
                    ReadOnlySpan<float> widened = ToFloat32(src, from, values);
                    FromFloat32(widened, dst, to);
                }
                else if (from.IsFloatingPoint())
                {
                    FloatToInteger(ToFloat32(src, from, values), dst, to);
                }
                else if (to.IsFloatingPoint())
                {
                    IntegerToFloat(src, from, n, values, rounding: to == DType.F32 ? FloatRounding.NearestEven : FloatRounding.Odd);
                    FromFloat32(values, dst, to);
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        StoreInteger(dst, to, i, LoadInteger(src, from, i));
                    }
                }
            }
        }

        /// <summary>The chunk as float32: the source itself for F32, otherwise widened into <paramref name="staging"/>.</summary>
        private static ReadOnlySpan<float> ToFloat32(byte* src, DType dtype, Span<float> staging)
        {
            int n = staging.Length;
            switch (dtype)
            {
                case DType.F32: return new ReadOnlySpan<float>(src, n);
                case DType.BF16: BFloat16Conversion.ToSingle(new ReadOnlySpan<ushort>(src, n), staging); break;
                case DType.F16: HalfConversion.ToSingle(new ReadOnlySpan<ushort>(src, n), staging); break;
                case DType.F8E4M3FN: Float8E4M3FNConversion.ToSingle(new ReadOnlySpan<byte>(src, n), staging); break;
                default: Float8E5M2Conversion.ToSingle(new ReadOnlySpan<byte>(src, n), staging); break;
            }

            return staging;
        }

        private static void FromFloat32(ReadOnlySpan<float> values, byte* dst, DType dtype)
        {
            int n = values.Length;
            switch (dtype)
            {
                case DType.F32: values.CopyTo(new Span<float>(dst, n)); break;
                case DType.BF16: BFloat16Conversion.FromSingle(values, new Span<ushort>(dst, n)); break;
                case DType.F16: HalfConversion.FromSingle(values, new Span<ushort>(dst, n)); break;
                case DType.F8E4M3FN: Float8E4M3FNConversion.FromSingle(values, new Span<byte>(dst, n)); break;
                default: Float8E5M2Conversion.FromSingle(values, new Span<byte>(dst, n)); break;
            }
        }

        private static void FloatToInteger(ReadOnlySpan<float> values, byte* dst, DType dtype)
        {
            for (int i = 0; i < values.Length; i++)
            {
                float v = values[i];
                switch (dtype)
                {
                    case DType.Bool: dst[i] = v != 0 ? (byte)1 : (byte)0; break;
                    case DType.I32: ((int*)dst)[i] = (int)MathF.Truncate(v); break;
                    case DType.I64: ((long*)dst)[i] = (long)MathF.Truncate(v); break;
                    default: dst[i] = unchecked((byte)(long)MathF.Truncate(v)); break;
                }
            }
        }

        private static void IntegerToFloat(byte* src, DType dtype, int n, Span<float> values, FloatRounding rounding)
        {
            for (int i = 0; i < n; i++)
            {
                long v = LoadInteger(src, dtype, i);
                float f = v;
                if (rounding == FloatRounding.Odd && (Int128)(double)f != v && (BitConverter.SingleToUInt32Bits(f) & 1) == 0)
                {
                    // Inexact and even: the odd neighbour on v's side of f. Rounding that to nearest even in a format
                    // at least two bits narrower gives the correctly rounded result (round-to-odd, Boldo & Melquiond).
                    f = (Int128)(double)f < v ? MathF.BitIncrement(f) : MathF.BitDecrement(f);
                }

                values[i] = f;
            }
        }

        private static long LoadInteger(byte* src, DType dtype, int i) => dtype switch
        {
            DType.I64 => ((long*)src)[i],
            DType.I32 => ((int*)src)[i],
            DType.Bool => src[i] != 0 ? 1 : 0,
            _ => src[i],
        };

        private static void StoreInteger(byte* dst, DType dtype, int i, long value)
        {
            switch (dtype)
            {
                case DType.I64: ((long*)dst)[i] = value; break;
                case DType.I32: ((int*)dst)[i] = unchecked((int)value); break;
                case DType.Bool: dst[i] = value != 0 ? (byte)1 : (byte)0; break;
                default: dst[i] = unchecked((byte)value); break;
            }
        }
    }

    private enum FloatRounding
    {
        NearestEven,
        Odd,
    }
}
