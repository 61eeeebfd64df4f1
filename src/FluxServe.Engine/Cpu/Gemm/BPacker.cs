using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FluxServe.Engine.Cpu.Gemm;
/// <summary>
/// Packs a KC×NC block of the B operand into NR-column micro-panels (panel j at <c>j·NR·kc</c>, within it k-major:
/// <c>[k][NR]</c>), widening the stored dtype to float32 on the way and zero-padding the last panel past N. B is
/// either row-major [K, N] (<see cref="GemmBLayout.KByN"/>: each k is a contiguous run of columns, copied with vector
/// loads) or a PyTorch Linear weight [N, K] (<see cref="GemmBLayout.NByK"/>: transposed in registers, 16×16 blocks on
/// AVX-512 and 8×8 on AVX2).
/// </summary>
internal static unsafe class BPacker
{
    /// <summary>
    /// Packs <c>B[pc..pc+kc, jc..jc+nc]</c> (logical K×N indices) for the kernel family <paramref name="isa"/>.
    /// <paramref name="b"/> is the matrix base; <paramref name="ldb"/> its row stride in elements.
    /// </summary>
    public static void Pack(GemmIsa isa, byte* b, nint ldb, DType dtype, GemmBLayout layout, int pc, int kc, int jc, int nc, float* dst)
    {
        switch (dtype)
        {
            case DType.F32: Pack<F32Element>(isa, b, ldb, layout, pc, kc, jc, nc, dst); break;
            case DType.BF16: Pack<BF16Element>(isa, b, ldb, layout, pc, kc, jc, nc, dst); break;
            case DType.F16: Pack<F16Element>(isa, b, ldb, layout, pc, kc, jc, nc, dst); break;
            case DType.F8E4M3FN: Pack<F8E4M3FNElement>(isa, b, ldb, layout, pc, kc, jc, nc, dst); break;
            case DType.F8E5M2: Pack<F8E5M2Element>(isa, b, ldb, layout, pc, kc, jc, nc, dst); break;
            default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "B must be a float dtype.");
        }
    }

    private static void Pack<T>(GemmIsa isa, byte* b, nint ldb, GemmBLayout layout, int pc, int kc, int jc, int nc, float* dst)
        where T : struct, IPackElement
    {
        int nr = GemmBlocking.For(isa).NR;
        nint size = T.Size;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* panel = dst + ((nint)j0 * kc);
            int n0 = jc + j0;
            if (layout == GemmBLayout.KByN)
            {
                byte* src = b + ((((nint)pc * ldb) + n0) * size);
                if (cols == nr && isa == GemmIsa.Avx512)
                {
                    RowsAvx512<T>(src, ldb * size, kc, panel);
                }
                else if (cols == nr && isa == GemmIsa.Avx2)
                {
                    RowsAvx2<T>(src, ldb * size, kc, panel);
                }
                else
                {
                    RowsScalar<T>(src, ldb * size, kc, cols, nr, panel);
                }
            }
            else
            {
                byte* src = b + ((((nint)n0 * ldb) + pc) * size);
                if (cols == nr && isa == GemmIsa.Avx512)
                {
                    ColumnsAvx512<T>(src, ldb * size, kc, panel, nr);
                    ColumnsAvx512<T>(src + (16 * ldb * size), ldb * size, kc, panel + 16, nr);
                }
                else if (cols == nr && isa == GemmIsa.Avx2)
                {
                    ColumnsAvx2<T>(src, ldb * size, kc, panel, nr);
                    ColumnsAvx2<T>(src + (8 * ldb * size), ldb * size, kc, panel + 8, nr);
                }
                else
                {
                    ColumnsScalar<T>(src, ldb * size, kc, cols, nr, panel);
                }
            }
        }
    }

    /// <summary>[K, N] source, 32 columns: two widened vector loads per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowsAvx512<T>(byte* src, nint rowBytes, int kc, float* dst)
        where T : struct, IPackElement
    {
        for (int k = 0; k < kc; k++)
        {
            T.Load16(src).Store(dst);
            T.Load16(src + (16 * T.Size)).Store(dst + 16);
            src += rowBytes;
            dst += 32;
        }
    }

    /// <summary>[K, N] source, 16 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowsAvx2<T>(byte* src, nint rowBytes, int kc, float* dst)
        where T : struct, IPackElement
    {
        for (int k = 0; k < kc; k++)
        {
            T.Load8(src).Store(dst);
            T.Load8(src + (8 * T.Size)).Store(dst + 8);
            src += rowBytes;
            dst += 16;
        }
    }

    /// <summary>[K, N] source, any column count, zero-padded to <paramref name="nr"/>.</summary>
    private static void RowsScalar<T>(byte* src, nint rowBytes, int kc, int cols, int nr, float* dst)
        where T : struct, IPackElement
    {
        for (int k = 0; k < kc; k++)
        {
            int j = 0;
            for (; j < cols; j++)
            {
                dst[j] = T.Load(src + ((nint)j * T.Size));
            }

            for (; j < nr; j++)
            {
                dst[j] = 0f;
            }

            src += rowBytes;
            dst += nr;
        }
    }

    /// <summary>[N, K] source, any column count, zero-padded to <paramref name="nr"/>.</summary>
    private static void ColumnsScalar<T>(byte* src, nint rowBytes, int kc, int cols, int nr, float* dst)
        where T : struct, IPackElement
    {
        for (int j = 0; j < nr; j++)
        {
            float* d = dst + j;
            if (j < cols)
            {
                byte* s = src + (j * rowBytes);
                for (int k = 0; k < kc; k++)
                {
                    d[(nint)k * nr] = T.Load(s + ((nint)k * T.Size));
                }
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    d[(nint)k * nr] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// [N, K] source, 16 of the panel's columns: 16 rows × 16 k are loaded (widened), transposed in registers
    /// (unpack ps, unpack pd, two rounds of 128-bit lane shuffles) and stored as 16 k-rows of 16 columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnsAvx512<T>(byte* src, nint rowBytes, int kc, float* dst, int nr)
        where T : struct, IPackElement
    {
        int k0 = 0;
        for (; k0 + 16 <= kc; k0 += 16)
        {
            byte* s = src + ((nint)k0 * T.Size);
            float* d = dst + ((nint)k0 * nr);
            var r0 = T.Load16(s + (0 * rowBytes));
            var r1 = T.Load16(s + (1 * rowBytes));
            var r2 = T.Load16(s + (2 * rowBytes));
            var r3 = T.Load16(s + (3 * rowBytes));
            var r4 = T.Load16(s + (4 * rowBytes));
            var r5 = T.Load16(s + (5 * rowBytes));
            var r6 = T.Load16(s + (6 * rowBytes));
            var r7 = T.Load16(s + (7 * rowBytes));
            var r8 = T.Load16(s + (8 * rowBytes));
            var r9 = T.Load16(s + (9 * rowBytes));
            var r10 = T.Load16(s + (10 * rowBytes));
            var r11 = T.Load16(s + (11 * rowBytes));
            var r12 = T.Load16(s + (12 * rowBytes));
            var r13 = T.Load16(s + (13 * rowBytes));
            var r14 = T.Load16(s + (14 * rowBytes));
            var r15 = T.Load16(s + (15 * rowBytes));
            var t0 = Avx512F.UnpackLow(r0, r1);
            var t1 = Avx512F.UnpackHigh(r0, r1);
            var t2 = Avx512F.UnpackLow(r2, r3);
            var t3 = Avx512F.UnpackHigh(r2, r3);
            var t4 = Avx512F.UnpackLow(r4, r5);
            var t5 = Avx512F.UnpackHigh(r4, r5);
            var t6 = Avx512F.UnpackLow(r6, r7);
            var t7 = Avx512F.UnpackHigh(r6, r7);
            var t8 = Avx512F.UnpackLow(r8, r9);
            var t9 = Avx512F.UnpackHigh(r8, r9);
            var t10 = Avx512F.UnpackLow(r10, r11);
            var t11 = Avx512F.UnpackHigh(r10, r11);
            var t12 = Avx512F.UnpackLow(r12, r13);
            var t13 = Avx512F.UnpackHigh(r12, r13);
            var t14 = Avx512F.UnpackLow(r14, r15);
            var t15 = Avx512F.UnpackHigh(r14, r15);
            var s00 = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle();
            var s01 = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
            var s02 = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle();
            var s03 = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
            var s10 = Avx512F.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle();
            var s11 = Avx512F.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
            var s12 = Avx512F.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle();
            var s13 = Avx512F.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();
            var s20 = Avx512F.UnpackLow(t8.AsDouble(), t10.AsDouble()).AsSingle();
            var s21 = Avx512F.UnpackHigh(t8.AsDouble(), t10.AsDouble()).AsSingle();
            var s22 = Avx512F.UnpackLow(t9.AsDouble(), t11.AsDouble()).AsSingle();
            var s23 = Avx512F.UnpackHigh(t9.AsDouble(), t11.AsDouble()).AsSingle();
            var s30 = Avx512F.UnpackLow(t12.AsDouble(), t14.AsDouble()).AsSingle();
            var s31 = Avx512F.UnpackHigh(t12.AsDouble(), t14.AsDouble()).AsSingle();
            var s32 = Avx512F.UnpackLow(t13.AsDouble(), t15.AsDouble()).AsSingle();
            var s33 = Avx512F.UnpackHigh(t13.AsDouble(), t15.AsDouble()).AsSingle();
            var x00 = Avx512F.Shuffle4x128(s00, s10, 0x44);
            var x01 = Avx512F.Shuffle4x128(s00, s10, 0xEE);
            var x02 = Avx512F.Shuffle4x128(s20, s30, 0x44);
            var x03 = Avx512F.Shuffle4x128(s20, s30, 0xEE);
            var x10 = Avx512F.Shuffle4x128(s01, s11, 0x44);
            var x11 = Avx512F.Shuffle4x128(s01, s11, 0xEE);
            var x12 = Avx512F.Shuffle4x128(s21, s31, 0x44);
            var x13 = Avx512F.Shuffle4x128(s21, s31, 0xEE);
            var x20 = Avx512F.Shuffle4x128(s02, s12, 0x44);
            var x21 = Avx512F.Shuffle4x128(s02, s12, 0xEE);
            var x22 = Avx512F.Shuffle4x128(s22, s32, 0x44);
            var x23 = Avx512F.Shuffle4x128(s22, s32, 0xEE);
            var x30 = Avx512F.Shuffle4x128(s03, s13, 0x44);
            var x31 = Avx512F.Shuffle4x128(s03, s13, 0xEE);
            var x32 = Avx512F.Shuffle4x128(s23, s33, 0x44);
            var x33 = Avx512F.Shuffle4x128(s23, s33, 0xEE);
            Avx512F.Shuffle4x128(x00, x02, 0x88).Store(d + (0 * nr));
            Avx512F.Shuffle4x128(x10, x12, 0x88).Store(d + (1 * nr));
            Avx512F.Shuffle4x128(x20, x22, 0x88).Store(d + (2 * nr));
            Avx512F.Shuffle4x128(x30, x32, 0x88).Store(d + (3 * nr));
            Avx512F.Shuffle4x128(x00, x02, 0xDD).Store(d + (4 * nr));
            Avx512F.Shuffle4x128(x10, x12, 0xDD).Store(d + (5 * nr));
            Avx512F.Shuffle4x128(x20, x22, 0xDD).Store(d + (6 * nr));
            Avx512F.Shuffle4x128(x30, x32, 0xDD).Store(d + (7 * nr));
            Avx512F.Shuffle4x128(x01, x03, 0x88).Store(d + (8 * nr));
            Avx512F.Shuffle4x128(x11, x13, 0x88).Store(d + (9 * nr));
            Avx512F.Shuffle4x128(x21, x23, 0x88).Store(d + (10 * nr));
            Avx512F.Shuffle4x128(x31, x33, 0x88).Store(d + (11 * nr));
            Avx512F.Shuffle4x128(x01, x03, 0xDD).Store(d + (12 * nr));
            Avx512F.Shuffle4x128(x11, x13, 0xDD).Store(d + (13 * nr));
            Avx512F.Shuffle4x128(x21, x23, 0xDD).Store(d + (14 * nr));
            Avx512F.Shuffle4x128(x31, x33, 0xDD).Store(d + (15 * nr));
        }

        ColumnsTail<T>(src, rowBytes, k0, kc, 16, dst, nr);
    }

    /// <summary>[N, K] source, 8 of the panel's columns: 8×8 register transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnsAvx2<T>(byte* src, nint rowBytes, int kc, float* dst, int nr)
        where T : struct, IPackElement
    {
        int k0 = 0;
        for (; k0 + 8 <= kc; k0 += 8)
        {
            byte* s = src + ((nint)k0 * T.Size);
            float* d = dst + ((nint)k0 * nr);
            var r0 = T.Load8(s + (0 * rowBytes));
            var r1 = T.Load8(s + (1 * rowBytes));
            var r2 = T.Load8(s + (2 * rowBytes));
            var r3 = T.Load8(s + (3 * rowBytes));
            var r4 = T.Load8(s + (4 * rowBytes));
            var r5 = T.Load8(s + (5 * rowBytes));
            var r6 = T.Load8(s + (6 * rowBytes));
            var r7 = T.Load8(s + (7 * rowBytes));
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5);
            var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7);
            var t7 = Avx.UnpackHigh(r6, r7);
            var s0 = Avx.Shuffle(t0, t2, 0x44);
            var s1 = Avx.Shuffle(t0, t2, 0xEE);
            var s2 = Avx.Shuffle(t1, t3, 0x44);
            var s3 = Avx.Shuffle(t1, t3, 0xEE);
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Permute2x128(s0, s4, 0x20).Store(d + (0 * nr));
            Avx.Permute2x128(s1, s5, 0x20).Store(d + (1 * nr));
            Avx.Permute2x128(s2, s6, 0x20).Store(d + (2 * nr));
            Avx.Permute2x128(s3, s7, 0x20).Store(d + (3 * nr));
            Avx.Permute2x128(s0, s4, 0x31).Store(d + (4 * nr));
            Avx.Permute2x128(s1, s5, 0x31).Store(d + (5 * nr));
            Avx.Permute2x128(s2, s6, 0x31).Store(d + (6 * nr));
            Avx.Permute2x128(s3, s7, 0x31).Store(d + (7 * nr));
        }

        ColumnsTail<T>(src, rowBytes, k0, kc, 8, dst, nr);
    }

    /// <summary>The k values past the last whole transpose block, element by element.</summary>
    private static void ColumnsTail<T>(byte* src, nint rowBytes, int k0, int kc, int columns, float* dst, int nr)
        where T : struct, IPackElement
    {
        for (int k = k0; k < kc; k++)
        {
            float* d = dst + ((nint)k * nr);
            byte* s = src + ((nint)k * T.Size);
            for (int j = 0; j < columns; j++)
            {
                d[j] = T.Load(s + (j * rowBytes));
            }
        }
    }
}
