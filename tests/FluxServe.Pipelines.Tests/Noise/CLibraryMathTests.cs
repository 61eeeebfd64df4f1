using FluxServe.Pipelines.Noise;

namespace FluxServe.Pipelines.Tests.Noise;

public sealed class CLibraryMathTests
{
    [Fact]
    public void Uses_the_C_library_log1p_on_glibc_and_agrees_with_log_of_the_exact_argument()
    {
        if (OperatingSystem.IsLinux())
        {
            Assert.True(CLibraryMath.HasNativeLog1P, "libm.so.6 log1p should load on Linux/glibc");
        }

        var random = new Random(3);
        for (int i = 0; i < 100_000; i++)
        {
            double u = (random.NextInt64() & ((1L << 53) - 1)) / 9007199254740992.0;
            double log1p = CLibraryMath.Log1POfNegatedUniform(-u);
            double log = Math.Log(1.0 - u); // 1 − u is exact: same argument, at most an ulp apart
            Assert.True(Math.Abs(log1p - log) <= 2 * Math.Abs(Math.BitIncrement(log) - log) + double.Epsilon, $"u = {u:R}");
        }
    }
}
