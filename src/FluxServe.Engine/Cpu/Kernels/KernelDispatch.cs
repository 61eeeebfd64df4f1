using System.Runtime.Intrinsics;

namespace FluxServe.Engine.Cpu.Kernels;

/// <summary>
/// Picks the register width the element-wise, norm, attention and convolution kernels run at: the widest one the
/// hardware accelerates, capped by <see cref="Limit"/> so tests can exercise the narrower paths (an AVX2-only CI
/// machine, or the scalar fallback) on an AVX-512 machine.
/// </summary>
internal static class KernelDispatch
{
    private static readonly SimdWidth s_hardware =
        Vector512.IsHardwareAccelerated ? SimdWidth.W512
        : Vector256.IsHardwareAccelerated ? SimdWidth.W256
        : Vector128.IsHardwareAccelerated ? SimdWidth.W128
        : SimdWidth.Scalar;

    private static volatile int s_limit = (int)SimdWidth.W512;

    /// <summary>The widest width the hardware accelerates.</summary>
    public static SimdWidth Hardware => s_hardware;

    /// <summary>The widest width kernels may use (tests lower it; the default allows everything).</summary>
    public static SimdWidth Limit
    {
        get => (SimdWidth)s_limit;
        set => s_limit = (int)value;
    }

    /// <summary>The width kernels run at now.</summary>
    public static SimdWidth Width => (SimdWidth)Math.Min((int)s_hardware, s_limit);
}
