using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Widening of a narrow float format to float32, given as a <c>static abstract</c> operator so the loops in
/// <see cref="ConversionLoops"/> are specialised per format by the JIT (no delegate per element). The narrow bit
/// pattern arrives zero-extended in the low bits of a 32-bit lane.
/// </summary>
internal interface IWidening
{
    /// <summary>Widens one bit pattern.</summary>
    static abstract float Scalar(uint bits);

    /// <summary>Widens four bit patterns.</summary>
    static abstract Vector128<float> Vector(Vector128<uint> bits);

    /// <summary>Widens eight bit patterns.</summary>
    static abstract Vector256<float> Vector(Vector256<uint> bits);

    /// <summary>Widens sixteen bit patterns.</summary>
    static abstract Vector512<float> Vector(Vector512<uint> bits);
}
