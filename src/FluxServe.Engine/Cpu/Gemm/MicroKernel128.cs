using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Cpu.Gemm;

/// <summary>
/// The portable 128-bit (SSE, AdvSimd) micro-kernel: a 6×8 block of C held in 12 Vector128&lt;float&gt; accumulators, updated per k
/// by broadcasting 6 values of the packed A micro-panel against 2 vector loads of the packed B micro-panel
/// (one FMA per accumulator). Generic over the row count so that the JIT compiles one specialised copy per
/// M-edge height with no spills and no per-k branches.
/// </summary>
/// <remarks>
/// Packed A holds, for each k, one float per row of the block; packed B holds, for each k, 8
/// consecutive floats (columns, zero-padded past N). The block is then written as
/// <c>C = alpha·acc (+ C when load) (+ bias when not null)</c>.
/// </remarks>
internal static unsafe class MicroKernel128
{
    /// <summary>Rows of C per block.</summary>
    public const int MR = 6;

    /// <summary>Columns of C per block.</summary>
    public const int NR = 8;

    /// <summary>Computes one block; see the class remarks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TRows>(int kc, float* a, float* b, float* c, nint ldc, float alpha, bool load, float* bias)
        where TRows : struct, IRowCount
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var x = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(x, b0, c00); c01 = Vector128.MultiplyAddEstimate(x, b1, c01);
            if (TRows.Value > 1)
            {
                x = Vector128.Create(a[1]);
                c10 = Vector128.MultiplyAddEstimate(x, b0, c10); c11 = Vector128.MultiplyAddEstimate(x, b1, c11);
            }

            if (TRows.Value > 2)
            {
                x = Vector128.Create(a[2]);
                c20 = Vector128.MultiplyAddEstimate(x, b0, c20); c21 = Vector128.MultiplyAddEstimate(x, b1, c21);
            }

            if (TRows.Value > 3)
            {
                x = Vector128.Create(a[3]);
                c30 = Vector128.MultiplyAddEstimate(x, b0, c30); c31 = Vector128.MultiplyAddEstimate(x, b1, c31);
            }

            if (TRows.Value > 4)
            {
                x = Vector128.Create(a[4]);
                c40 = Vector128.MultiplyAddEstimate(x, b0, c40); c41 = Vector128.MultiplyAddEstimate(x, b1, c41);
            }

            if (TRows.Value > 5)
            {
                x = Vector128.Create(a[5]);
                c50 = Vector128.MultiplyAddEstimate(x, b0, c50); c51 = Vector128.MultiplyAddEstimate(x, b1, c51);
            }

            a += TRows.Value;
            b += 8;
        }

        var scale = Vector128.Create(alpha);
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
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, Vector128<float> v0, Vector128<float> v1, Vector128<float> scale, bool load, float* bias)
    {
        v0 *= scale;
        v1 *= scale;
        if (load)
        {
            v0 += Vector128.Load(row + 0);
            v1 += Vector128.Load(row + 4);
        }

        if (bias != null)
        {
            v0 += Vector128.Load(bias + 0);
            v1 += Vector128.Load(bias + 4);
        }

        v0.Store(row + 0);
        v1.Store(row + 4);
    }
}
