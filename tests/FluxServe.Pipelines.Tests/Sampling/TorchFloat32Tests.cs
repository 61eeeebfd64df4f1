using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>Python's <c>round(x, 6)</c> and PyTorch's float32 <c>linspace</c> recipes.</summary>
public sealed class TorchFloat32Tests
{
    [Theory]
    [InlineData(0.0009965240024030209, 0.000997)]
    [InlineData(0.5078125, 0.507812)] // an exact tie: half to even
    [InlineData(0.1234565, 0.123456)] // 0.1234565 is stored just below the tie
    [InlineData(5e-07, 0.0)]
    [InlineData(0.9999000024795532, 0.9999)]
    [InlineData(0.3535533905932738, 0.353553)]
    [InlineData(1e-07, 0.0)]
    [InlineData(-0.5078125, -0.507812)]
    public void RoundToMicro_matches_python_round(double x, double expected) =>
        Assert.Equal(expected, TorchFloat32.RoundToMicro(x));

    [Fact]
    public void Linspace_runs_from_start_to_end()
    {
        foreach (int n in new[] { 2, 3, 7, 15, 16, 17, 31, 33, 100 })
        {
            float[] v = TorchFloat32.Linspace(1f, 0.001f, n);
            Assert.Equal(1f, v[0]);
            // The vector blocks of 16 add k·step to a lane base, so a last element inside a block can miss the end by ulps (as in PyTorch).
            Assert.InRange(v[^1], 0.001f - 1e-6f, 0.001f + 1e-6f);
            for (int i = 1; i < n; i++)
            {
                Assert.True(v[i] < v[i - 1]);
            }
        }

        Assert.Equal([5f], TorchFloat32.Linspace(5f, 9f, 1));
        Assert.Empty(TorchFloat32.Linspace(5f, 9f, 0));
    }

    [Fact]
    public void Linspace_scalar_elements_are_fused_multiply_adds()
    {
        // The scalar path of PyTorch's AVX2 kernel: start + step·i contracted into one FMA below the halfway point.
        float[] v = TorchFloat32.Linspace(1f, 0.001f, 8);
        float step = (0.001f - 1f) / 7;
        Assert.Equal(MathF.FusedMultiplyAdd(step, 3, 1f), v[3]);
        Assert.Equal(MathF.FusedMultiplyAdd(-step, 3, 0.001f), v[4]);
    }

    [Fact]
    public void SleefExp_is_within_one_ulp_of_exp_and_saturates_like_sleef()
    {
        for (float x = -20f; x <= 20f; x += 0.0137f)
        {
            float sleef = TorchFloat32.SleefExp(x);
            float exact = (float)Math.Exp(x);
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(sleef) - BitConverter.SingleToInt32Bits(exact));
            Assert.True(ulps <= 1, $"exp({x}): {sleef} vs {exact}");
        }

        Assert.Equal(1f, TorchFloat32.SleefExp(0f));
        Assert.Equal(0f, TorchFloat32.SleefExp(-105f));
        Assert.Equal(float.PositiveInfinity, TorchFloat32.SleefExp(101f));
    }

    [Fact]
    public void SleefTan_is_within_one_ulp_of_tan_and_keeps_nan_and_negative_zero()
    {
        for (float x = -1.5f; x <= 1.5f; x += 0.00731f)
        {
            float sleef = TorchFloat32.SleefTan(x);
            float exact = (float)Math.Tan(x);
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(sleef) - BitConverter.SingleToInt32Bits(exact));
            Assert.True(ulps <= 1, $"tan({x}): {sleef} vs {exact}");
        }

        Assert.True(float.IsNaN(TorchFloat32.SleefTan(float.NaN)));
        Assert.True(float.IsNegative(TorchFloat32.SleefTan(-0f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchFloat32.SleefTan(200f));
    }

    [Fact]
    public void SleefPow_is_within_one_ulp_of_pow_for_positive_bases()
    {
        foreach (float y in new[] { 7f, 0.5f, -2.5f, 1f / 7 })
        {
            for (float x = 0.001f; x <= 4f; x += 0.0173f)
            {
                float sleef = TorchFloat32.SleefPow(x, y);
                float exact = (float)Math.Pow(x, y);
                int ulps = Math.Abs(BitConverter.SingleToInt32Bits(sleef) - BitConverter.SingleToInt32Bits(exact));
                Assert.True(ulps <= 1, $"pow({x}, {y}): {sleef} vs {exact}");
            }
        }

        Assert.Equal(1f, TorchFloat32.SleefPow(1f, 7f));
        Assert.Equal(1f, TorchFloat32.SleefPow(0.3f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchFloat32.SleefPow(-1f, 2f));
    }
}
