using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// The AVX-512 micro-kernel: a 14×32 block of C held in 28 Vector512&lt;float&gt; accumulators, updated per k
/// by broadcasting 14 values of the packed A micro-panel against 2 vector loads of the packed B micro-panel
/// (one FMA per accumulator). Generic over the row count so that the JIT compiles one specialised copy per
/// M-edge height with no spills and no per-k branches.
/// </summary>
/// <remarks>
/// Packed A holds, for each k, one float per row of the block; packed B holds, for each k, 32
/// consecutive floats (columns, zero-padded past N). The block is then written as
/// <c>C = alpha·acc (+ C when load) (+ bias when not null)</c>.
/// </remarks>
internal static unsafe class MicroKernel512
{
    /// <summary>Rows of C per block.</summary>
    public const int MR = 14;

    /// <summary>Columns of C per block.</summary>
    public const int NR = 32;

    /// <summary>Computes one block; see the class remarks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TRows>(int kc, float* a, float* b, float* c, nint ldc, float alpha, bool load, float* bias)
        where TRows : struct, IRowCount
    {
        // The C block is read (or written) only after the k loop; start bringing its lines in now.
        Sse.Prefetch0(c + (0 * ldc) + 0); Sse.Prefetch0(c + (0 * ldc) + 16);
        if (TRows.Value > 1) { Sse.Prefetch0(c + (1 * ldc) + 0); Sse.Prefetch0(c + (1 * ldc) + 16); }
        if (TRows.Value > 2) { Sse.Prefetch0(c + (2 * ldc) + 0); Sse.Prefetch0(c + (2 * ldc) + 16); }
        if (TRows.Value > 3) { Sse.Prefetch0(c + (3 * ldc) + 0); Sse.Prefetch0(c + (3 * ldc) + 16); }
        if (TRows.Value > 4) { Sse.Prefetch0(c + (4 * ldc) + 0); Sse.Prefetch0(c + (4 * ldc) + 16); }
        if (TRows.Value > 5) { Sse.Prefetch0(c + (5 * ldc) + 0); Sse.Prefetch0(c + (5 * ldc) + 16); }
        if (TRows.Value > 6) { Sse.Prefetch0(c + (6 * ldc) + 0); Sse.Prefetch0(c + (6 * ldc) + 16); }
        if (TRows.Value > 7) { Sse.Prefetch0(c + (7 * ldc) + 0); Sse.Prefetch0(c + (7 * ldc) + 16); }
        if (TRows.Value > 8) { Sse.Prefetch0(c + (8 * ldc) + 0); Sse.Prefetch0(c + (8 * ldc) + 16); }
        if (TRows.Value > 9) { Sse.Prefetch0(c + (9 * ldc) + 0); Sse.Prefetch0(c + (9 * ldc) + 16); }
        if (TRows.Value > 10) { Sse.Prefetch0(c + (10 * ldc) + 0); Sse.Prefetch0(c + (10 * ldc) + 16); }
        if (TRows.Value > 11) { Sse.Prefetch0(c + (11 * ldc) + 0); Sse.Prefetch0(c + (11 * ldc) + 16); }
        if (TRows.Value > 12) { Sse.Prefetch0(c + (12 * ldc) + 0); Sse.Prefetch0(c + (12 * ldc) + 16); }
        if (TRows.Value > 13) { Sse.Prefetch0(c + (13 * ldc) + 0); Sse.Prefetch0(c + (13 * ldc) + 16); }

        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        Vector512<float> cc0 = default, cc1 = default, cd0 = default, cd1 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            if (TRows.Value > 1)
            {
                x = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            }

            if (TRows.Value > 2)
            {
                x = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            }

            if (TRows.Value > 3)
            {
                x = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            }

            if (TRows.Value > 4)
            {
                x = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            }

            if (TRows.Value > 5)
            {
                x = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            }

            if (TRows.Value > 6)
            {
                x = Vector512.Create(a[6]);
                c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            }

            if (TRows.Value > 7)
            {
                x = Vector512.Create(a[7]);
                c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            }

            if (TRows.Value > 8)
            {
                x = Vector512.Create(a[8]);
                c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            }

            if (TRows.Value > 9)
            {
                x = Vector512.Create(a[9]);
                c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            }

            if (TRows.Value > 10)
            {
                x = Vector512.Create(a[10]);
                ca0 = Vector512.FusedMultiplyAdd(x, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(x, b1, ca1);
            }

            if (TRows.Value > 11)
            {
                x = Vector512.Create(a[11]);
                cb0 = Vector512.FusedMultiplyAdd(x, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(x, b1, cb1);
            }

            if (TRows.Value > 12)
            {
                x = Vector512.Create(a[12]);
                cc0 = Vector512.FusedMultiplyAdd(x, b0, cc0); cc1 = Vector512.FusedMultiplyAdd(x, b1, cc1);
            }

            if (TRows.Value > 13)
            {
                x = Vector512.Create(a[13]);
                cd0 = Vector512.FusedMultiplyAdd(x, b0, cd0); cd1 = Vector512.FusedMultiplyAdd(x, b1, cd1);
            }

            a += TRows.Value;
            b += 32;
        }

        var scale = Vector512.Create(alpha);
        Store(c + (0 * ldc), c00, c01, scale, load, bias);
        if (TRows.Value > 1)
        {
            Store(c + (1 * ldc), c10, c11, scale, load, bias);
        }

        if (TRows.Value > 2)
        {
            Store(c + (2 * ldc), c20, c21, scale, load, bias);
        }

        if (TRows.Value > 3)
        {
            Store(c + (3 * ldc), c30, c31, scale, load, bias);
        }

        if (TRows.Value > 4)
        {
            Store(c + (4 * ldc), c40, c41, scale, load, bias);
        }

        if (TRows.Value > 5)
        {
            Store(c + (5 * ldc), c50, c51, scale, load, bias);
        }

        if (TRows.Value > 6)
        {
            Store(c + (6 * ldc), c60, c61, scale, load, bias);
        }

        if (TRows.Value > 7)
        {
            Store(c + (7 * ldc), c70, c71, scale, load, bias);
        }

        if (TRows.Value > 8)
        {
            Store(c + (8 * ldc), c80, c81, scale, load, bias);
        }

        if (TRows.Value > 9)
        {
            Store(c + (9 * ldc), c90, c91, scale, load, bias);
        }

        if (TRows.Value > 10)
        {
            Store(c + (10 * ldc), ca0, ca1, scale, load, bias);
        }

        if (TRows.Value > 11)
        {
            Store(c + (11 * ldc), cb0, cb1, scale, load, bias);
        }

        if (TRows.Value > 12)
        {
            Store(c + (12 * ldc), cc0, cc1, scale, load, bias);
        }

        if (TRows.Value > 13)
        {
            Store(c + (13 * ldc), cd0, cd1, scale, load, bias);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, Vector512<float> v0, Vector512<float> v1, Vector512<float> scale, bool load, float* bias)
    {
        v0 *= scale;
        v1 *= scale;
        if (load)
        {
            v0 += Vector512.Load(row + 0);
            v1 += Vector512.Load(row + 16);
        }

        if (bias != null)
        {
            v0 += Vector512.Load(bias + 0);
            v1 += Vector512.Load(bias + 16);
        }

        v0.Store(row + 0);
        v1.Store(row + 16);
    }
}
