using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// The C library's <c>log1p</c>, which PyTorch's double Box-Muller calls and .NET does not expose. Where the
/// platform's libm exports it (glibc: <c>libm.so.6</c>), it is called, so small draws match PyTorch on the same C
/// library bit for bit; elsewhere <c>log(1 + x)</c> is used, which gets the same argument because 1 + x is exact for
/// the Box-Muller <c>x = −u</c> (u a multiple of 2⁻⁵³ in [0, 1)) and differs only where the two libm routines round
/// differently (1 ulp of a double in ≈7 % of arguments, none of 4·10⁷ float32 results in a test against glibc).
/// </summary>
internal static unsafe class CLibraryMath
{
    private static readonly delegate* unmanaged<double, double> s_log1p = LoadLog1P();

    /// <summary>True when the C library's own <c>log1p</c> is used.</summary>
    public static bool HasNativeLog1P => s_log1p != null;

    /// <summary><c>log1p(x)</c> for <c>x = −u</c>, u a double uniform (see the class remarks).</summary>
    public static double Log1POfNegatedUniform(double x) => s_log1p != null ? s_log1p(x) : Math.Log(1.0 + x);

    private static delegate* unmanaged<double, double> LoadLog1P()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        string library = OperatingSystem.IsLinux() ? "libm.so.6" : "libSystem.dylib";
        return NativeLibrary.TryLoad(library, out nint handle) && NativeLibrary.TryGetExport(handle, "log1p", out nint address)
            ? (delegate* unmanaged<double, double>)address
            : null;
    }
}
