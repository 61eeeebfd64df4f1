using System.Runtime.CompilerServices;

namespace FluxServe.Engine.Cpu.Kernels;

// The activations of FluxServe.Engine.Activation as IUnaryFloatOperator structs (math in SimdMath).

/// <summary>x·σ(x).</summary>
internal readonly struct SiluOperator : IUnaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T x)
        where T : struct, ISimdFloat<T> => SimdMath.Silu(x);
}

/// <summary>GELU, tanh approximation.</summary>
internal readonly struct GeluTanhOperator : IUnaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T x)
        where T : struct, ISimdFloat<T> => SimdMath.GeluTanh(x);
}

/// <summary>Exact (erf) GELU.</summary>
internal readonly struct GeluExactOperator : IUnaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T x)
        where T : struct, ISimdFloat<T> => SimdMath.GeluExact(x);
}

/// <summary>x·σ(1.702x).</summary>
internal readonly struct QuickGeluOperator : IUnaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T x)
        where T : struct, ISimdFloat<T> => SimdMath.QuickGelu(x);
}

/// <summary>max(x, 0).</summary>
internal readonly struct ReluOperator : IUnaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T x)
        where T : struct, ISimdFloat<T> => SimdMath.Relu(x);
}
