using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Numerics;

/// <summary>Which <see cref="SimdLevel"/>s this machine runs in hardware.</summary>
internal static class SimdLevels
{
    /// <summary>The widest hardware-accelerated level.</summary>
    public static SimdLevel Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512 :
        Vector256.IsHardwareAccelerated ? SimdLevel.Vector256 :
        Vector128.IsHardwareAccelerated ? SimdLevel.Vector128 :
        SimdLevel.Scalar;

    /// <summary>Every level up to and including <see cref="Best"/> (for tests that cover each path).</summary>
    public static SimdLevel[] Supported()
    {
        var levels = new SimdLevel[(int)Best + 1];
        for (int i = 0; i <= (int)Best; i++)
        {
            levels[i] = (SimdLevel)i;
        }

        return levels;
    }
}
