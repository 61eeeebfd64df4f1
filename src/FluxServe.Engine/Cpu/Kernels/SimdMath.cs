using System.Runtime.CompilerServices;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// Float32 transcendental functions written once for every <see cref="ISimdFloat{TSelf}"/> width. All widths run
/// the same operation sequence with fused multiply-adds, so they give bit-identical results.
/// </summary>
/// <remarks>
/// Polynomial coefficients were fitted for this file (weighted least squares iterated towards minimax relative error,
/// Lawson's method, in double precision) and then rounded to float: exp's reduced-range polynomial to 1.1e-8
/// relative, (erf(x)/x − 2/√π)/x² on [0, 1] to 1.5e-8, and erfc(z)·e^(z²)/t with t = 1/(1 + 0.4z) on [0.5, 9.4] to 4.8e-9.
/// </remarks>
internal static class SimdMath
{
    private const float Log2E = 1.44269504088896341f;

    // ln 2 split so that n·Ln2High is cancelled exactly by the fused multiply-add (Cody and Waite).
    private const float Ln2High = 0.693147182464599609375f;
    private const float Ln2Low = -1.904654299957768e-09f;

    // 1.5·2²³: adding it rounds a float of magnitude < 2²² to an integer (round to nearest even).
    private const float RoundingShifter = 12582912f;

    // x/√2 is carried as a double-float (InvSqrt2High + InvSqrt2Low) so e^(−z²) keeps its relative accuracy.
    private const float InvSqrt2High = 0.707106769084930419921875f;
    private const float InvSqrt2Low = 1.2101617e-08f;

    // Below the split erf(z) = z·P(z²); above it erfc(z) = t·Q(t)·e^(−z²), t = 1/(1 + 0.4z). erf itself switches at
    // 1 (1 − erfc loses a little below that); Φ = (1 + erf)/2 switches at 0.5, before 1 + erf starts cancelling.
    private const float ErfSplit = 1f;
    private const float PhiSplit = 0.5f;
    private const float ErfcTScale = 0.4f;

    // Beyond this erfc(z) underflows float anyway; clamping keeps z² and its error term finite.
    private const float ErfcLargest = 10f;

    /// <summary>eˣ with about 1 ulp error; overflows to +∞ above 88.72, flushes below −103.97 to 0, keeps NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x)
        where T : struct, ISimdFloat<T>
    {
        T clamped = T.Min(T.Max(x, T.Create(-104f)), T.Create(89f));
        T shifter = T.Create(RoundingShifter);
        T n = T.Fma(clamped, T.Create(Log2E), shifter) - shifter;
        T r = T.Fma(n, T.Create(-Ln2High), clamped);
        r = T.Fma(n, T.Create(-Ln2Low), r);

        // e^r = 1 + r·q(r), |r| ≤ ln2/2.
        T q = T.Fma(T.Create(0.0013888869434595108f), r, T.Create(0.00836906861513853f));
        q = T.Fma(q, r, T.Create(0.041667137295007706f));
        q = T.Fma(q, r, T.Create(0.16666506230831146f));
        q = T.Fma(q, r, T.Create(0.4999999701976776f));
        q = T.Fma(q, r, T.Create(1f));
        T p = T.Fma(q, r, T.Create(1f));
        T result = T.ScaleByPowerOfTwo(p, n);
        return T.Select(T.IsNaN(x), x, result);
    }

    /// <summary>x·σ(x) = x / (1 + e⁻ˣ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Silu<T>(T x)
        where T : struct, ISimdFloat<T> => x / (T.Create(1f) + Exp(-x));

    /// <summary>x·σ(1.702x), CLIP's quick GELU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T QuickGelu<T>(T x)
        where T : struct, ISimdFloat<T> => x / (T.Create(1f) + Exp(x * T.Create(-1.702f)));

    /// <summary>
    /// 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), evaluated as x·σ(2u) (the same function, since
    /// 1 + tanh(u) = 2σ(2u)) to avoid the cancellation of 1 + tanh for negative x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GeluTanh<T>(T x)
        where T : struct, ISimdFloat<T>
    {
        const float TwiceSqrt2OverPi = 1.5957691216057308f;
        const float Cubic = TwiceSqrt2OverPi * 0.044715f;
        T twiceU = x * T.Fma(x * x, T.Create(Cubic), T.Create(TwiceSqrt2OverPi));
        return x / (T.Create(1f) + Exp(-twiceU));
    }

    /// <summary>max(x, 0); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Relu<T>(T x)
        where T : struct, ISimdFloat<T> => T.Select(T.LessThan(x, T.Zero), T.Zero, x);

    /// <summary>erf(x) to a few ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T x)
        where T : struct, ISimdFloat<T>
    {
        T a = T.Abs(x);
        T small = ErfSmall(x);
        T large = T.Create(1f) - ErfcLarge(T.Min(T.Max(a, T.Create(ErfSplit)), T.Create(ErfcLargest)), T.Zero);
        large = T.Select(T.LessThan(x, T.Zero), -large, large);
        T result = T.Select(T.LessThan(a, T.Create(ErfSplit)), small, large);
        return T.Select(T.IsNaN(x), x, result);
    }

    /// <summary>
    /// Exact GELU x·Φ(x) = 0.5x(1 + erf(x/√2)). For x/√2 beyond ±0.5 it uses Φ = 1 − erfc/2 or erfc/2 directly, so the
    /// negative tail keeps its relative accuracy instead of cancelling in 1 + erf.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GeluExact<T>(T x)
        where T : struct, ISimdFloat<T>
    {
        T half = T.Create(0.5f);
        T z = x * T.Create(InvSqrt2High);
        T phiSmall = T.Fma(half, ErfSmall(z), half);

        // |z| as a double-float: aHigh + aLow = |x|/√2 to about 2⁻⁴⁸ relative.
        T ax = T.Min(T.Abs(x), T.Create(ErfcLargest * 1.4142135f));
        T aHigh = ax * T.Create(InvSqrt2High);
        T aLow = T.Fma(ax, T.Create(InvSqrt2High), -aHigh) + (ax * T.Create(InvSqrt2Low));
        T tail = half * ErfcLarge(T.Max(aHigh, T.Create(PhiSplit)), aLow);
        T phiLarge = T.Select(T.LessThan(x, T.Zero), tail, T.Create(1f) - tail);

        T phi = T.Select(T.LessThan(T.Abs(z), T.Create(PhiSplit)), phiSmall, phiLarge);
        return x * phi;
    }

    /// <summary>
    /// erf(z) for |z| &lt; 1 as z·(c₀ + s·P(s)), s = z². c₀ = 2/√π is carried as a float pair so its rounding (half an
    /// ulp on its own) does not reach the result: erf = z·c₀High + z·(c₀Low + s·P(s)) with one final rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ErfSmall<T>(T z)
        where T : struct, ISimdFloat<T>
    {
        T s = z * z;
        T p = T.Fma(T.Create(8.358581544598565e-05f), s, T.Create(-0.0008156641270034015f));
        p = T.Fma(p, s, T.Create(0.005204105284065008f));
        p = T.Fma(p, s, T.Create(-0.02686152793467045f));
        p = T.Fma(p, s, T.Create(0.11283751577138901f));
        p = T.Fma(p, s, T.Create(-0.37612637877464294f));
        T low = T.Fma(p, s, T.Create(-5.863538343753305e-08f));
        return T.Fma(z, T.Create(1.128379225730896f), z * low);
    }

    /// <summary>
    /// erfc(z) for 0.5 ≤ z ≤ 10 given as z + zLow (zLow a tiny correction, or zero): t·Q(t)·e^(−z²) with t = 1/(1 + 0.4z).
    /// e^(−z²) is e^(−hi)·(1 − lo) where hi + lo = z² exactly up to the fma residue, so the large exponent does not
    /// cost relative accuracy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ErfcLarge<T>(T z, T zLow)
        where T : struct, ISimdFloat<T>
    {
        T one = T.Create(1f);
        T t = one / T.Fma(z, T.Create(ErfcTScale), one);
        T q = T.Fma(T.Create(0.06071818247437477f), t, T.Create(-0.2226647585630417f));
        q = T.Fma(q, t, T.Create(0.2319386750459671f));
        q = T.Fma(q, t, T.Create(-0.05911796912550926f));
        q = T.Fma(q, t, T.Create(0.16801948845386505f));
        q = T.Fma(q, t, T.Create(0.16073058545589447f));
        q = T.Fma(q, t, T.Create(0.20915238559246063f));
        q = T.Fma(q, t, T.Create(0.2255563735961914f));
        q = T.Fma(q, t, T.Create(0.2256796807050705f));

        T z2 = z * z;
        T z2Low = T.Fma(z, z, -z2) + (T.Create(2f) * z * zLow);
        T e = Exp(-z2);
        e = T.Fma(-z2Low, e, e);
        return t * q * e;
    }
}
