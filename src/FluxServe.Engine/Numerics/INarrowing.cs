using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// Narrowing of float32 to a narrow float format (the counterpart of <see cref="IWidening"/>): the result bit pattern
/// is returned in the low bits of a 32-bit lane, already reduced to the format's width.
/// </summary>
internal interface INarrowing
{
    /// <summary>Narrows one value.</summary>
    static abstract uint Scalar(float value);

    /// <summary>Narrows four values.</summary>
    static abstract Vector128<uint> Vector(Vector128<float> value);

    /// <summary>Narrows eight values.</summary>
    static abstract Vector256<uint> Vector(Vector256<float> value);

    /// <summary>Narrows sixteen values.</summary>
    static abstract Vector512<uint> Vector(Vector512<float> value);
}
