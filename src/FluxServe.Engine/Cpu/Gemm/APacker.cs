using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FluxServe.Engine.Cpu.Gemm;
/// <summary>
/// Packs an MC×KC block of the float32 A operand (row-major, row stride <c>lda</c>) into MR-row micro-panels:
/// panel p at <c>p·MR·kc</c>, within it k-major (<c>[k][rows]</c>, rows = MR except in the last panel), which is the
/// order the micro-kernel broadcasts them in. Whole panels are transposed in registers (AVX-512: 14 rows padded to a
/// 16×16 transpose; AVX2: 6 rows in an 8×8), stored with overlapping writes and a masked last one.
/// </summary>
internal static unsafe class APacker
{
    /// <summary>Packs panels <paramref name="firstPanel"/>..<paramref name="endPanel"/> of the block at <paramref name="a"/> (= A[ic, pc]).</summary>
    public static void Pack(GemmIsa isa, float* a, nint lda, int mc, int kc, int firstPanel, int endPanel, float* dst)
    {
        int mr = GemmBlocking.For(isa).MR;
        for (int p = firstPanel; p < endPanel; p++)
        {
            int rows = Math.Min(mr, mc - (p * mr));
            float* src = a + ((nint)p * mr * lda);
            float* panel = dst + ((nint)p * mr * kc);
            int k0 = 0;
            if (rows == mr && isa == GemmIsa.Avx512)
            {
                k0 = PanelAvx512(src, lda, kc, panel);
            }
            else if (rows == mr && isa == GemmIsa.Avx2)
            {
                k0 = PanelAvx2(src, lda, kc, panel);
            }

            for (int k = k0; k < kc; k++)
            {
                float* d = panel + ((nint)k * rows);
                for (int i = 0; i < rows; i++)
                {
                    d[i] = src[((nint)i * lda) + k];
                }
            }
        }
    }

    /// <summary>A whole 14-row panel, 16 k at a time; returns the first k not packed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PanelAvx512(float* src, nint lda, int kc, float* dst)
    {
        const int MR = 14;
        var r14 = Vector512<float>.Zero;
        var r15 = Vector512<float>.Zero;
        var lastMask = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0).AsSingle();
        int k0 = 0;
        for (; k0 + 16 <= kc; k0 += 16)
        {
            float* s = src + k0;
            float* d = dst + (k0 * MR);
            var r0 = Vector512.Load(s + (0 * lda));
            var r1 = Vector512.Load(s + (1 * lda));
            var r2 = Vector512.Load(s + (2 * lda));
            var r3 = Vector512.Load(s + (3 * lda));
            var r4 = Vector512.Load(s + (4 * lda));
            var r5 = Vector512.Load(s + (5 * lda));
            var r6 = Vector512.Load(s + (6 * lda));
            var r7 = Vector512.Load(s + (7 * lda));
            var r8 = Vector512.Load(s + (8 * lda));
            var r9 = Vector512.Load(s + (9 * lda));
            var r10 = Vector512.Load(s + (10 * lda));
            var r11 = Vector512.Load(s + (11 * lda));
            var r12 = Vector512.Load(s + (12 * lda));
            var r13 = Vector512.Load(s + (13 * lda));
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
            Avx512F.Shuffle4x128(x00, x02, 0x88).Store(d + (0 * MR));
            Avx512F.Shuffle4x128(x10, x12, 0x88).Store(d + (1 * MR));
            Avx512F.Shuffle4x128(x20, x22, 0x88).Store(d + (2 * MR));
            Avx512F.Shuffle4x128(x30, x32, 0x88).Store(d + (3 * MR));
            Avx512F.Shuffle4x128(x00, x02, 0xDD).Store(d + (4 * MR));
            Avx512F.Shuffle4x128(x10, x12, 0xDD).Store(d + (5 * MR));
            Avx512F.Shuffle4x128(x20, x22, 0xDD).Store(d + (6 * MR));
            Avx512F.Shuffle4x128(x30, x32, 0xDD).Store(d + (7 * MR));
            Avx512F.Shuffle4x128(x01, x03, 0x88).Store(d + (8 * MR));
            Avx512F.Shuffle4x128(x11, x13, 0x88).Store(d + (9 * MR));
            Avx512F.Shuffle4x128(x21, x23, 0x88).Store(d + (10 * MR));
            Avx512F.Shuffle4x128(x31, x33, 0x88).Store(d + (11 * MR));
            Avx512F.Shuffle4x128(x01, x03, 0xDD).Store(d + (12 * MR));
            Avx512F.Shuffle4x128(x11, x13, 0xDD).Store(d + (13 * MR));
            Avx512F.Shuffle4x128(x21, x23, 0xDD).Store(d + (14 * MR));
            Avx512F.MaskStore(d + (15 * MR), lastMask, Avx512F.Shuffle4x128(x31, x33, 0xDD));
        }

        return k0;
    }

    /// <summary>A whole 6-row panel, 8 k at a time; returns the first k not packed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PanelAvx2(float* src, nint lda, int kc, float* dst)
    {
        const int MR = 6;
        var r6 = Vector256<float>.Zero;
        var r7 = Vector256<float>.Zero;
        var lastMask = Vector256.Create(-1, -1, -1, -1, -1, -1, 0, 0).AsSingle();
        int k0 = 0;
        for (; k0 + 8 <= kc; k0 += 8)
        {
            float* s = src + k0;
            float* d = dst + (k0 * MR);
            var r0 = Vector256.Load(s + (0 * lda));
            var r1 = Vector256.Load(s + (1 * lda));
            var r2 = Vector256.Load(s + (2 * lda));
            var r3 = Vector256.Load(s + (3 * lda));
            var r4 = Vector256.Load(s + (4 * lda));
            var r5 = Vector256.Load(s + (5 * lda));
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
            Avx.Permute2x128(s0, s4, 0x20).Store(d + (0 * MR));
            Avx.Permute2x128(s1, s5, 0x20).Store(d + (1 * MR));
            Avx.Permute2x128(s2, s6, 0x20).Store(d + (2 * MR));
            Avx.Permute2x128(s3, s7, 0x20).Store(d + (3 * MR));
            Avx.Permute2x128(s0, s4, 0x31).Store(d + (4 * MR));
            Avx.Permute2x128(s1, s5, 0x31).Store(d + (5 * MR));
            Avx.Permute2x128(s2, s6, 0x31).Store(d + (6 * MR));
            Avx.MaskStore(d + (7 * MR), lastMask, Avx.Permute2x128(s3, s7, 0x31));
        }

        return k0;
    }
}
