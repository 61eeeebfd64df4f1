using System.Runtime.CompilerServices;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// <c>log256_ps</c> and <c>sincos256_ps</c> of avx_mathfun (Cephes polynomials), as PyTorch's
/// <c>normal_fill_AVX2</c> runs them: the exact float32 operation sequence of the compiled x86 code, including the
/// multiply-adds the compiler contracted into FMA (spec/sampling.md §7.3). Any change of order or fusion changes
/// the last bits of ≈1 % of values, so every line here is one instruction there.
/// </summary>
internal static class AvxMathFun
{
    private const float MinNormPos = 1.17549435e-38f;     // 0x00800000
    private const int InvMantMask = ~0x7F800000;
    private const float SqrtHalf = 0.707106781186547524f;  // cephes_SQRTHF
    private const float LogP0 = 7.0376836292e-2f;
    private const float LogP1 = -1.1514610310e-1f;
    private const float LogP2 = 1.1676998740e-1f;
    private const float LogP3 = -1.2420140846e-1f;
    private const float LogP4 = 1.4249322787e-1f;
    private const float LogP5 = -1.6668057665e-1f;
    private const float LogP6 = 2.0000714765e-1f;
    private const float LogP7 = -2.4999993993e-1f;
    private const float LogP8 = 3.3333331174e-1f;
    private const float LogQ1 = -2.12194440e-4f;
    private const float LogQ2 = 0.693359375f;

    private const float FourOverPi = 1.27323954473516f;    // cephes_FOPI
    private const float MinusDp1 = -0.78515625f;
    private const float MinusDp2 = -2.4187564849853515625e-4f;
    private const float MinusDp3 = -3.77489497744594108e-8f;
    private const float SinP0 = -1.9515295891e-4f;
    private const float SinP1 = 8.3321608736e-3f;
    private const float SinP2 = -1.6666654611e-1f;
    private const float CosP0 = 2.443315711809948e-5f;
    private const float CosP1 = -1.388731625493765e-3f;
    private const float CosP2 = 4.166664568298827e-2f;

    /// <summary>
    /// Natural logarithm of positive normal inputs (the Box-Muller <c>u1 ∈ [2⁻²⁴, 1]</c>). The reference's NaN
    /// for non-positive inputs is not reproduced: such inputs cannot occur here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Log<TOps, TF, TI>(TF x)
        where TOps : IFloatLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        TF one = TOps.Broadcast(1f);
        x = TOps.Max(x, TOps.Broadcast(MinNormPos));
        TI exponent = TOps.ShiftRightLogical(TOps.AsInt(x), 23);

        // Keep the mantissa with the exponent of 0.5: m ∈ [0.5, 1).
        x = TOps.And(x, TOps.AsFloat(TOps.BroadcastInt(InvMantMask)));
        x = TOps.Or(x, TOps.Broadcast(0.5f));
        exponent = TOps.SubtractInt(exponent, TOps.BroadcastInt(0x7F));
        TF e = TOps.Add(TOps.ConvertToFloat(exponent), one);

        // m < √½: e -= 1, x = (m - 1) + m; else x = m - 1.
        TF mask = TOps.LessThan(x, TOps.Broadcast(SqrtHalf));
        TF tmp = TOps.And(x, mask);
        x = TOps.Subtract(x, one);
        e = TOps.Subtract(e, TOps.And(one, mask));
        x = TOps.Add(x, tmp);

        TF z = TOps.Multiply(x, x);
        TF y = TOps.FusedMultiplyAdd(TOps.Broadcast(LogP0), x, TOps.Broadcast(LogP1));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP2));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP3));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP4));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP5));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP6));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP7));
        y = TOps.FusedMultiplyAdd(y, x, TOps.Broadcast(LogP8));
        y = TOps.Multiply(y, x);

        // y = y·z + e·q1 (e·q1 rounded first); y = y − z·0.5 (fused); x += y; x = e·q2 + x (fused).
        y = TOps.FusedMultiplyAdd(y, z, TOps.Multiply(e, TOps.Broadcast(LogQ1)));
        y = TOps.FusedMultiplyAdd(TOps.Xor(z, TOps.Broadcast(-0f)), TOps.Broadcast(0.5f), y);
        x = TOps.Add(x, y);
        return TOps.FusedMultiplyAdd(e, TOps.Broadcast(LogQ2), x);
    }

    /// <summary>Sine and cosine of <paramref name="x"/> (any sign; the Box-Muller θ lies in [0, 2π)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SinCos<TOps, TF, TI>(TF x, out TF sin, out TF cos)
        where TOps : IFloatLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        TF signMask = TOps.Broadcast(-0f);
        TF signBitSin = TOps.And(x, signMask);
        x = TOps.Xor(x, signBitSin);   // |x|

        // j = (trunc(|x|·4/π) + 1) & ~1: the octant, rounded up to even.
        TI j = TOps.TruncateToInt(TOps.Multiply(x, TOps.Broadcast(FourOverPi)));
        j = TOps.AndInt(TOps.AddInt(j, TOps.BroadcastInt(1)), TOps.BroadcastInt(~1));
        TF q = TOps.ConvertToFloat(j);

        TI swapSignSin = TOps.ShiftLeft(TOps.AndInt(j, TOps.BroadcastInt(4)), 29);
        TF polyMask = TOps.AsFloat(TOps.EqualsInt(TOps.AndInt(j, TOps.BroadcastInt(2)), TOps.BroadcastInt(0)));

        // Extended-precision reduction x − q·π/4 in three parts; the compiler fused each y·DPi + x.
        x = TOps.FusedMultiplyAdd(q, TOps.Broadcast(MinusDp1), x);
        x = TOps.FusedMultiplyAdd(q, TOps.Broadcast(MinusDp2), x);
        x = TOps.FusedMultiplyAdd(q, TOps.Broadcast(MinusDp3), x);

        TI signCosBits = TOps.ShiftLeft(TOps.AndNotInt(TOps.SubtractInt(j, TOps.BroadcastInt(2)), TOps.BroadcastInt(4)), 29);
        TF signBitCos = TOps.AsFloat(signCosBits);
        signBitSin = TOps.Xor(signBitSin, TOps.AsFloat(swapSignSin));

        TF z = TOps.Multiply(x, x);

        // Cosine polynomial: ((p0·z + p1)·z + p2)·z·z − z·0.5 + 1.
        TF y = TOps.FusedMultiplyAdd(TOps.Broadcast(CosP0), z, TOps.Broadcast(CosP1));
        y = TOps.FusedMultiplyAdd(y, z, TOps.Broadcast(CosP2));
        y = TOps.Multiply(y, z);
        y = TOps.FusedMultiplyAdd(y, z, TOps.Xor(TOps.Multiply(z, TOps.Broadcast(0.5f)), signMask));
        y = TOps.Add(y, TOps.Broadcast(1f));

        // Sine polynomial: ((p0·z + p1)·z + p2)·z·x + x.
        TF y2 = TOps.FusedMultiplyAdd(TOps.Broadcast(SinP0), z, TOps.Broadcast(SinP1));
        y2 = TOps.FusedMultiplyAdd(y2, z, TOps.Broadcast(SinP2));
        y2 = TOps.Multiply(y2, z);
        y2 = TOps.FusedMultiplyAdd(y2, x, x);

        // Select with the reference's arithmetic (it decides the sign of zero results).
        TF ySin2 = TOps.And(polyMask, y2);
        TF ySin1 = TOps.AsFloat(TOps.AndNotInt(TOps.AsInt(polyMask), TOps.AsInt(y)));
        y2 = TOps.Subtract(y2, ySin2);
        y = TOps.Subtract(y, ySin1);
        sin = TOps.Xor(TOps.Add(ySin1, ySin2), signBitSin);
        cos = TOps.Xor(TOps.Add(y, y2), signBitCos);
    }
}
