using System.Runtime.CompilerServices;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// The two register-blocked products inside blocked (flash-style) attention, generic over the register width:
/// scores S = scale·Q·Kᵀ against a packed, transposed key block, and the accumulation O += P·V.
/// </summary>
/// <typeparam name="T">The register type.</typeparam>
internal static unsafe class AttentionTiles<T>
    where T : struct, ISimdFloat<T>
{
    // With 32 registers (AVX-512) a 4×4-register tile (16 accumulators) halves the loads per multiply-add; narrower
    // ISAs have 16 registers and use 4×2.
    private static bool WideTile => T.Count == 16;

    /// <summary>Key columns one score tile covers: four registers with AVX-512, two otherwise.</summary>
    public static int ColumnStep => (WideTile ? 4 : 2) * T.Count;

    /// <summary>
    /// s[r, j] = scale · Σₜ q[r, t]·kt[t, j] for <paramref name="rows"/> (1–4) query rows and j &lt; <paramref name="columns"/>
    /// (a multiple of <see cref="ColumnStep"/>). <paramref name="kt"/> is the key block transposed, [D, keyStride].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(float* q, int qStride, int rows, float* kt, int keyStride, int d, int columns, float* s, int sStride, float scale)
    {
        switch (rows)
        {
            case 4 when WideTile: Scores4x4(q, qStride, kt, keyStride, d, columns, s, sStride, scale); break;
            case 4: Scores4(q, qStride, kt, keyStride, d, columns, s, sStride, scale); break;
            case 3:
                Scores1(q, kt, keyStride, d, columns, s, scale);
                Scores1(q + qStride, kt, keyStride, d, columns, s + sStride, scale);
                Scores1(q + (2 * qStride), kt, keyStride, d, columns, s + (2 * sStride), scale);
                break;
            case 2:
                Scores1(q, kt, keyStride, d, columns, s, scale);
                Scores1(q + qStride, kt, keyStride, d, columns, s + sStride, scale);
                break;
            default: Scores1(q, kt, keyStride, d, columns, s, scale); break;
        }
    }

    /// <summary>
    /// o[r, :] += Σⱼ p[r, j]·v[j, :] for <paramref name="rows"/> (1–4) rows, j &lt; <paramref name="keys"/>, D columns.
    /// </summary>
    /// <remarks>
    /// D need not be a multiple of the register width: the last D mod <c>Count</c> columns come from one more register
    /// placed at D − <c>Count</c>, overlapping the last full one, carried by the last tile so that both read O before
    /// either stores it. Each lane then does the same fused multiply-adds in the same order as the lane it overlaps,
    /// so the overlapped columns are stored twice with the same bits. A D narrower than the register runs at the next
    /// narrower width.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateValues(float* p, int pStride, int rows, float* v, int vStride, int keys, float* o, int oStride, int d)
    {
        int w = T.Count;
        if (w > 1 && d < w)
        {
            switch (w)
            {
                case 16: AttentionTiles<SimdF256>.AccumulateValues(p, pStride, rows, v, vStride, keys, o, oStride, d); break;
                case 8: AttentionTiles<SimdF128>.AccumulateValues(p, pStride, rows, v, vStride, keys, o, oStride, d); break;
                default: AttentionTiles<SimdF1>.AccumulateValues(p, pStride, rows, v, vStride, keys, o, oStride, d); break;
            }

            return;
        }

        int bulk = d - (d % w);
        int tail = bulk == d ? -1 : d - w;
        if (rows == 4)
        {
            for (int c = 0; c < bulk;)
            {
                int left = bulk - c;
                int n = WideTile && left >= 4 * w ? 4 : left >= 2 * w ? 2 : 1;
                if (n == 2 && !WideTile && tail >= 0 && left == 2 * w)
                {
                    // With 16 registers a 4×2 tile plus the tail register would spill: the tail rides on a 4×1 tile.
                    n = 1;
                }

                bool last = c + (n * w) == bulk;
                int at = tail - c;
                switch (n)
                {
                    case 4 when last && tail >= 0: Values4x4<WithTail>(p, pStride, v + c, vStride, keys, o + c, oStride, at); break;
                    case 4: Values4x4<NoTail>(p, pStride, v + c, vStride, keys, o + c, oStride, 0); break;
                    case 2 when last && tail >= 0: Values4x2<WithTail>(p, pStride, v + c, vStride, keys, o + c, oStride, at); break;
                    case 2: Values4x2<NoTail>(p, pStride, v + c, vStride, keys, o + c, oStride, 0); break;
                    default:
                        if (last && tail >= 0)
                        {
                            Values4x1<WithTail>(p, pStride, v + c, vStride, keys, o + c, oStride, at);
                        }
                        else
                        {
                            Values4x1<NoTail>(p, pStride, v + c, vStride, keys, o + c, oStride, 0);
                        }

                        break;
                }

                c += n * w;
            }
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                float* pr = p + (r * pStride);
                float* or = o + (r * oStride);
                int c = 0;
                for (; c + w < bulk; c += w)
                {
                    Values1x1<NoTail>(pr, v + c, vStride, keys, or + c, 0);
                }

                if (tail >= 0)
                {
                    Values1x1<WithTail>(pr, v + c, vStride, keys, or + c, tail - c);
                }
                else
                {
                    Values1x1<NoTail>(pr, v + c, vStride, keys, or + c, 0);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores4x4(float* q, int qStride, float* kt, int keyStride, int d, int columns, float* s, int sStride, float scale)
    {
        int w = T.Count;
        T factor = T.Create(scale);
        float* q1 = q + qStride, q2 = q + (2 * qStride), q3 = q + (3 * qStride);
        for (int j = 0; j < columns; j += 4 * w)
        {
            T a00 = T.Zero, a01 = T.Zero, a02 = T.Zero, a03 = T.Zero;
            T a10 = T.Zero, a11 = T.Zero, a12 = T.Zero, a13 = T.Zero;
            T a20 = T.Zero, a21 = T.Zero, a22 = T.Zero, a23 = T.Zero;
            T a30 = T.Zero, a31 = T.Zero, a32 = T.Zero, a33 = T.Zero;
            float* k = kt + j;
            for (int t = 0; t < d; t++, k += keyStride)
            {
                T k0 = T.Load(in k[0], 0), k1 = T.Load(in k[w], 0), k2 = T.Load(in k[2 * w], 0), k3 = T.Load(in k[3 * w], 0);
                T b = T.Create(q[t]);
                a00 = T.Fma(b, k0, a00);
                a01 = T.Fma(b, k1, a01);
                a02 = T.Fma(b, k2, a02);
                a03 = T.Fma(b, k3, a03);
                b = T.Create(q1[t]);
                a10 = T.Fma(b, k0, a10);
                a11 = T.Fma(b, k1, a11);
                a12 = T.Fma(b, k2, a12);
                a13 = T.Fma(b, k3, a13);
                b = T.Create(q2[t]);
                a20 = T.Fma(b, k0, a20);
                a21 = T.Fma(b, k1, a21);
                a22 = T.Fma(b, k2, a22);
                a23 = T.Fma(b, k3, a23);
                b = T.Create(q3[t]);
                a30 = T.Fma(b, k0, a30);
                a31 = T.Fma(b, k1, a31);
                a32 = T.Fma(b, k2, a32);
                a33 = T.Fma(b, k3, a33);
            }

            StoreScaled(s + j, w, a00, a01, a02, a03, factor);
            StoreScaled(s + j + sStride, w, a10, a11, a12, a13, factor);
            StoreScaled(s + j + (2 * sStride), w, a20, a21, a22, a23, factor);
            StoreScaled(s + j + (3 * sStride), w, a30, a31, a32, a33, factor);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreScaled(float* s, int w, T a0, T a1, T a2, T a3, T factor)
    {
        T.Store(a0 * factor, ref s[0], 0);
        T.Store(a1 * factor, ref s[w], 0);
        T.Store(a2 * factor, ref s[2 * w], 0);
        T.Store(a3 * factor, ref s[3 * w], 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values4x4<TTail>(float* p, int pStride, float* v, int vStride, int keys, float* o, int oStride, int tail)
        where TTail : struct, IValueTail
    {
        int w = T.Count;
        float* o1 = o + oStride, o2 = o + (2 * oStride), o3 = o + (3 * oStride);
        float* p1 = p + pStride, p2 = p + (2 * pStride), p3 = p + (3 * pStride);
        T a00 = T.Load(in o[0], 0), a01 = T.Load(in o[w], 0), a02 = T.Load(in o[2 * w], 0), a03 = T.Load(in o[3 * w], 0);
        T a10 = T.Load(in o1[0], 0), a11 = T.Load(in o1[w], 0), a12 = T.Load(in o1[2 * w], 0), a13 = T.Load(in o1[3 * w], 0);
        T a20 = T.Load(in o2[0], 0), a21 = T.Load(in o2[w], 0), a22 = T.Load(in o2[2 * w], 0), a23 = T.Load(in o2[3 * w], 0);
        T a30 = T.Load(in o3[0], 0), a31 = T.Load(in o3[w], 0), a32 = T.Load(in o3[2 * w], 0), a33 = T.Load(in o3[3 * w], 0);
        T t0 = default, t1 = default, t2 = default, t3 = default;
        if (TTail.Present)
        {
            t0 = T.Load(in o[tail], 0);
            t1 = T.Load(in o1[tail], 0);
            t2 = T.Load(in o2[tail], 0);
            t3 = T.Load(in o3[tail], 0);
        }

        float* vj = v;
        for (int j = 0; j < keys; j++, vj += vStride)
        {
            T v0 = T.Load(in vj[0], 0), v1 = T.Load(in vj[w], 0), v2 = T.Load(in vj[2 * w], 0), v3 = T.Load(in vj[3 * w], 0);
            T vt = TTail.Present ? T.Load(in vj[tail], 0) : default;
            T b = T.Create(p[j]);
            a00 = T.Fma(b, v0, a00);
            a01 = T.Fma(b, v1, a01);
            a02 = T.Fma(b, v2, a02);
            a03 = T.Fma(b, v3, a03);
            if (TTail.Present)
            {
                t0 = T.Fma(b, vt, t0);
            }

            b = T.Create(p1[j]);
            a10 = T.Fma(b, v0, a10);
            a11 = T.Fma(b, v1, a11);
            a12 = T.Fma(b, v2, a12);
            a13 = T.Fma(b, v3, a13);
            if (TTail.Present)
            {
                t1 = T.Fma(b, vt, t1);
            }

            b = T.Create(p2[j]);
            a20 = T.Fma(b, v0, a20);
            a21 = T.Fma(b, v1, a21);
            a22 = T.Fma(b, v2, a22);
            a23 = T.Fma(b, v3, a23);
            if (TTail.Present)
            {
                t2 = T.Fma(b, vt, t2);
            }

            b = T.Create(p3[j]);
            a30 = T.Fma(b, v0, a30);
            a31 = T.Fma(b, v1, a31);
            a32 = T.Fma(b, v2, a32);
            a33 = T.Fma(b, v3, a33);
            if (TTail.Present)
            {
                t3 = T.Fma(b, vt, t3);
            }
        }

        if (TTail.Present)
        {
            T.Store(t0, ref o[tail], 0);
            T.Store(t1, ref o1[tail], 0);
            T.Store(t2, ref o2[tail], 0);
            T.Store(t3, ref o3[tail], 0);
        }

        StoreRow(o, w, a00, a01, a02, a03);
        StoreRow(o1, w, a10, a11, a12, a13);
        StoreRow(o2, w, a20, a21, a22, a23);
        StoreRow(o3, w, a30, a31, a32, a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* o, int w, T a0, T a1, T a2, T a3)
    {
        T.Store(a0, ref o[0], 0);
        T.Store(a1, ref o[w], 0);
        T.Store(a2, ref o[2 * w], 0);
        T.Store(a3, ref o[3 * w], 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores4(float* q, int qStride, float* kt, int keyStride, int d, int columns, float* s, int sStride, float scale)
    {
        int w = T.Count;
        T factor = T.Create(scale);
        float* q1 = q + qStride, q2 = q + (2 * qStride), q3 = q + (3 * qStride);
        for (int j = 0; j < columns; j += 2 * w)
        {
            T a00 = T.Zero, a01 = T.Zero, a10 = T.Zero, a11 = T.Zero;
            T a20 = T.Zero, a21 = T.Zero, a30 = T.Zero, a31 = T.Zero;
            float* k = kt + j;
            for (int t = 0; t < d; t++, k += keyStride)
            {
                T k0 = T.Load(in k[0], 0), k1 = T.Load(in k[w], 0);
                T b0 = T.Create(q[t]);
                a00 = T.Fma(b0, k0, a00);
                a01 = T.Fma(b0, k1, a01);
                T b1 = T.Create(q1[t]);
                a10 = T.Fma(b1, k0, a10);
                a11 = T.Fma(b1, k1, a11);
                T b2 = T.Create(q2[t]);
                a20 = T.Fma(b2, k0, a20);
                a21 = T.Fma(b2, k1, a21);
                T b3 = T.Create(q3[t]);
                a30 = T.Fma(b3, k0, a30);
                a31 = T.Fma(b3, k1, a31);
            }

            float* s0 = s + j;
            T.Store(a00 * factor, ref s0[0], 0);
            T.Store(a01 * factor, ref s0[w], 0);
            s0 += sStride;
            T.Store(a10 * factor, ref s0[0], 0);
            T.Store(a11 * factor, ref s0[w], 0);
            s0 += sStride;
            T.Store(a20 * factor, ref s0[0], 0);
            T.Store(a21 * factor, ref s0[w], 0);
            s0 += sStride;
            T.Store(a30 * factor, ref s0[0], 0);
            T.Store(a31 * factor, ref s0[w], 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores1(float* q, float* kt, int keyStride, int d, int columns, float* s, float scale)
    {
        int w = T.Count;
        T factor = T.Create(scale);
        for (int j = 0; j < columns; j += 2 * w)
        {
            T a0 = T.Zero, a1 = T.Zero;
            float* k = kt + j;
            for (int t = 0; t < d; t++, k += keyStride)
            {
                T b = T.Create(q[t]);
                a0 = T.Fma(b, T.Load(in k[0], 0), a0);
                a1 = T.Fma(b, T.Load(in k[w], 0), a1);
            }

            T.Store(a0 * factor, ref s[j], 0);
            T.Store(a1 * factor, ref s[j + w], 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values4x2<TTail>(float* p, int pStride, float* v, int vStride, int keys, float* o, int oStride, int tail)
        where TTail : struct, IValueTail
    {
        int w = T.Count;
        float* o1 = o + oStride, o2 = o + (2 * oStride), o3 = o + (3 * oStride);
        float* p1 = p + pStride, p2 = p + (2 * pStride), p3 = p + (3 * pStride);
        T a00 = T.Load(in o[0], 0), a01 = T.Load(in o[w], 0);
        T a10 = T.Load(in o1[0], 0), a11 = T.Load(in o1[w], 0);
        T a20 = T.Load(in o2[0], 0), a21 = T.Load(in o2[w], 0);
        T a30 = T.Load(in o3[0], 0), a31 = T.Load(in o3[w], 0);
        T t0 = default, t1 = default, t2 = default, t3 = default;
        if (TTail.Present)
        {
            t0 = T.Load(in o[tail], 0);
            t1 = T.Load(in o1[tail], 0);
            t2 = T.Load(in o2[tail], 0);
            t3 = T.Load(in o3[tail], 0);
        }

        float* vj = v;
        for (int j = 0; j < keys; j++, vj += vStride)
        {
            T v0 = T.Load(in vj[0], 0), v1 = T.Load(in vj[w], 0);
            T vt = TTail.Present ? T.Load(in vj[tail], 0) : default;
            T b0 = T.Create(p[j]);
            a00 = T.Fma(b0, v0, a00);
            a01 = T.Fma(b0, v1, a01);
            T b1 = T.Create(p1[j]);
            a10 = T.Fma(b1, v0, a10);
            a11 = T.Fma(b1, v1, a11);
            T b2 = T.Create(p2[j]);
            a20 = T.Fma(b2, v0, a20);
            a21 = T.Fma(b2, v1, a21);
            T b3 = T.Create(p3[j]);
            a30 = T.Fma(b3, v0, a30);
            a31 = T.Fma(b3, v1, a31);
            if (TTail.Present)
            {
                t0 = T.Fma(b0, vt, t0);
                t1 = T.Fma(b1, vt, t1);
                t2 = T.Fma(b2, vt, t2);
                t3 = T.Fma(b3, vt, t3);
            }
        }

        if (TTail.Present)
        {
            T.Store(t0, ref o[tail], 0);
            T.Store(t1, ref o1[tail], 0);
            T.Store(t2, ref o2[tail], 0);
            T.Store(t3, ref o3[tail], 0);
        }

        T.Store(a00, ref o[0], 0);
        T.Store(a01, ref o[w], 0);
        T.Store(a10, ref o1[0], 0);
        T.Store(a11, ref o1[w], 0);
        T.Store(a20, ref o2[0], 0);
        T.Store(a21, ref o2[w], 0);
        T.Store(a30, ref o3[0], 0);
        T.Store(a31, ref o3[w], 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values4x1<TTail>(float* p, int pStride, float* v, int vStride, int keys, float* o, int oStride, int tail)
        where TTail : struct, IValueTail
    {
        float* o1 = o + oStride, o2 = o + (2 * oStride), o3 = o + (3 * oStride);
        float* p1 = p + pStride, p2 = p + (2 * pStride), p3 = p + (3 * pStride);
        T a0 = T.Load(in o[0], 0), a1 = T.Load(in o1[0], 0), a2 = T.Load(in o2[0], 0), a3 = T.Load(in o3[0], 0);
        T t0 = default, t1 = default, t2 = default, t3 = default;
        if (TTail.Present)
        {
            t0 = T.Load(in o[tail], 0);
            t1 = T.Load(in o1[tail], 0);
            t2 = T.Load(in o2[tail], 0);
            t3 = T.Load(in o3[tail], 0);
        }

        float* vj = v;
        for (int j = 0; j < keys; j++, vj += vStride)
        {
            T v0 = T.Load(in vj[0], 0);
            T b0 = T.Create(p[j]), b1 = T.Create(p1[j]), b2 = T.Create(p2[j]), b3 = T.Create(p3[j]);
            a0 = T.Fma(b0, v0, a0);
            a1 = T.Fma(b1, v0, a1);
            a2 = T.Fma(b2, v0, a2);
            a3 = T.Fma(b3, v0, a3);
            if (TTail.Present)
            {
                T vt = T.Load(in vj[tail], 0);
                t0 = T.Fma(b0, vt, t0);
                t1 = T.Fma(b1, vt, t1);
                t2 = T.Fma(b2, vt, t2);
                t3 = T.Fma(b3, vt, t3);
            }
        }

        if (TTail.Present)
        {
            T.Store(t0, ref o[tail], 0);
            T.Store(t1, ref o1[tail], 0);
            T.Store(t2, ref o2[tail], 0);
            T.Store(t3, ref o3[tail], 0);
        }

        T.Store(a0, ref o[0], 0);
        T.Store(a1, ref o1[0], 0);
        T.Store(a2, ref o2[0], 0);
        T.Store(a3, ref o3[0], 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values1x1<TTail>(float* p, float* v, int vStride, int keys, float* o, int tail)
        where TTail : struct, IValueTail
    {
        T a = T.Load(in o[0], 0);
        T t = TTail.Present ? T.Load(in o[tail], 0) : default;
        float* vj = v;
        for (int j = 0; j < keys; j++, vj += vStride)
        {
            T b = T.Create(p[j]);
            a = T.Fma(b, T.Load(in vj[0], 0), a);
            if (TTail.Present)
            {
                t = T.Fma(b, T.Load(in vj[tail], 0), t);
            }
        }

        if (TTail.Present)
        {
            T.Store(t, ref o[tail], 0);
        }

        T.Store(a, ref o[0], 0);
    }

    /// <summary>Whether a value tile also carries the overlapping tail register (a type argument, so the JIT drops the dead branch).</summary>
    private interface IValueTail
    {
        static abstract bool Present { get; }
    }

    private readonly struct WithTail : IValueTail
    {
        public static bool Present => true;
    }

    private readonly struct NoTail : IValueTail
    {
        public static bool Present => false;
    }
}
