using System.Runtime.CompilerServices;

namespace FluxServe.Engine.Cpu.Kernels;

// The operations of FluxServe.Engine.BinaryOp as IBinaryFloatOperator structs.

/// <summary>a + b.</summary>
internal readonly struct AddOperator : IBinaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T left, T right)
        where T : struct, ISimdFloat<T> => left + right;
}

/// <summary>a − b.</summary>
internal readonly struct SubtractOperator : IBinaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T left, T right)
        where T : struct, ISimdFloat<T> => left - right;
}

/// <summary>a · b.</summary>
internal readonly struct MultiplyOperator : IBinaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T left, T right)
        where T : struct, ISimdFloat<T> => left * right;
}

/// <summary>a / b.</summary>
internal readonly struct DivideOperator : IBinaryFloatOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T>(T left, T right)
        where T : struct, ISimdFloat<T> => left / right;
}
