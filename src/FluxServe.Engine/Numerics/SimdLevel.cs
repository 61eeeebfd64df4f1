using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>
/// The widest vector path a vectorised routine may take. Routines dispatch on the best level the machine supports;
/// tests pass narrower levels explicitly so that every path is exercised on one machine (an AVX-512 CI box still
/// runs the 256-bit, 128-bit and scalar code).
/// </summary>
internal enum SimdLevel
{
    /// <summary>Plain scalar code.</summary>
    Scalar,

    /// <summary><see cref="Vector128{T}"/> (SSE, AdvSimd).</summary>
    Vector128,

    /// <summary><see cref="Vector256{T}"/> (AVX2).</summary>
    Vector256,

    /// <summary><see cref="Vector512{T}"/> (AVX-512).</summary>
    Vector512,
}
