namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaNormTests
{
    [CudaTheory]
    [InlineData(DType.F32, new[] { 3, 17, 3072 }, false)]
    [InlineData(DType.F32, new[] { 5, 1 }, true)]
    [InlineData(DType.F32, new[] { 4, 33 }, true)]
    [InlineData(DType.BF16, new[] { 2, 300, 3072 }, false)]
    [InlineData(DType.BF16, new[] { 7, 100 }, true)]
    public void LayerNormMatchesTheCpu(DType activation, int[] shape, bool affine)
    {
        if (CudaCheck.TooLargeForEmulation(Tensor.ComputeLength(shape)))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        int d = shape[^1];
        using var hx = CudaCheck.HostRandom(11, activation, -3f, 5f, shape); // a non-zero mean exercises the two-pass variance
        using var hw = affine ? CudaCheck.HostRandom(12, DType.F32, d) : null;
        using var hb = affine ? CudaCheck.HostRandom(13, DType.BF16, d) : null; // bf16-exact: uploaded as bf16 below
        using var expected = CudaCheck.Cpu.LayerNorm(hx, hw, hb, 1e-6f);
        using var dx = CudaCheck.Upload(backend, hx);
        using var dw = hw is null ? null : CudaCheck.Upload(backend, hw, DType.F32);
        using var db = hb is null ? null : CudaCheck.Upload(backend, hb, DType.BF16);
        using var actual = backend.LayerNorm(dx, dw, db, 1e-6f);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "layer norm");
    }

    [CudaTheory]
    [InlineData(DType.F32, new[] { 7, 128 })]
    [InlineData(DType.F32, new[] { 2, 4, 33 })]
    [InlineData(DType.BF16, new[] { 1, 24, 4608, 128 })]
    [InlineData(DType.BF16, new[] { 3, 4096 })]
    public void RmsNormMatchesTheCpu(DType activation, int[] shape)
    {
        if (CudaCheck.TooLargeForEmulation(Tensor.ComputeLength(shape)))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(14, activation, shape);
        using var hw = CudaCheck.HostRandom(15, DType.BF16, 0.5f, 1.5f, shape[^1]);
        using var expected = CudaCheck.Cpu.RmsNorm(hx, hw, 1e-6f);
        using var dx = CudaCheck.Upload(backend, hx);
        using var dw = CudaCheck.Upload(backend, hw, DType.BF16); // a bf16 scale, converted (and cached) as float32
        using var actual = backend.RmsNorm(dx, dw, 1e-6f);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "rms norm");
    }

    [CudaTheory]
    [InlineData(DType.F32, new[] { 2, 9, 64 }, new[] { 2, 64 })]
    [InlineData(DType.F32, new[] { 2, 9, 64 }, new[] { 2, 1, 64 })]
    [InlineData(DType.BF16, new[] { 1, 4096, 3072 }, new[] { 1, 1, 3072 })]
    public void ModulateMatchesTheCpu(DType activation, int[] shape, int[] modulation)
    {
        if (CudaCheck.TooLargeForEmulation(Tensor.ComputeLength(shape)))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(16, activation, shape);
        using var hs = CudaCheck.HostRandom(17, activation, modulation);
        using var hc = CudaCheck.HostRandom(18, activation, modulation);
        using var expected = CudaCheck.Cpu.Modulate(hx, hs, hc);
        using var dx = CudaCheck.Upload(backend, hx);
        using var ds = CudaCheck.Upload(backend, hs);
        using var dc = CudaCheck.Upload(backend, hc);
        using var actual = backend.Modulate(dx, ds, dc);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "modulate");
    }

    [CudaTheory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    public void LayerNormModulateEqualsTheComposition(DType activation)
    {
        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(19, activation, 2, 37, 3072);
        using var hs = CudaCheck.HostRandom(20, activation, 2, 1, 3072);
        using var hc = CudaCheck.HostRandom(21, activation, 2, 1, 3072);
        using var normed = CudaCheck.Cpu.LayerNorm(hx, null, null, 1e-6f);
        using var expected = CudaCheck.Cpu.Modulate(normed, hs, hc);
        using var dx = CudaCheck.Upload(backend, hx);
        using var ds = CudaCheck.Upload(backend, hs);
        using var dc = CudaCheck.Upload(backend, hc);
        using var actual = backend.LayerNormModulate(dx, ds, dc, 1e-6f);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "layer norm + modulate");
    }

    [CudaTheory]
    [InlineData(DType.F32, new[] { 2, 64, 9, 11 }, 32, true)]
    [InlineData(DType.F32, new[] { 1, 6, 5 }, 3, false)]
    [InlineData(DType.F32, new[] { 1, 128, 130, 130 }, 32, true)] // groups longer than one chunk: the merge runs
    [InlineData(DType.BF16, new[] { 1, 512, 64, 64 }, 32, true)]
    public void GroupNormMatchesTheCpu(DType activation, int[] shape, int groups, bool affine)
    {
        if (CudaCheck.TooLargeForEmulation(Tensor.ComputeLength(shape)))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(22, activation, -2f, 4f, shape);
        using var hw = affine ? CudaCheck.HostRandom(23, DType.F32, shape[1]) : null;
        using var hb = affine ? CudaCheck.HostRandom(24, DType.F32, shape[1]) : null;
        using var expected = CudaCheck.Cpu.GroupNorm(hx, groups, hw, hb, 1e-6f);
        using var dx = CudaCheck.Upload(backend, hx);
        using var dw = hw is null ? null : CudaCheck.Upload(backend, hw, DType.F32);
        using var db = hb is null ? null : CudaCheck.Upload(backend, hb, DType.F32);
        using var actual = backend.GroupNorm(dx, groups, dw, db, 1e-6f);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "group norm");
    }

    [CudaFact]
    public void GroupNormActivateEqualsTheComposition()
    {
        var backend = CudaTestDevice.F32;
        using var hx = CudaCheck.HostRandom(25, DType.F32, 2, 64, 17, 13);
        using var hw = CudaCheck.HostRandom(26, DType.F32, 64);
        using var hb = CudaCheck.HostRandom(27, DType.F32, 64);
        using var normed = CudaCheck.Cpu.GroupNorm(hx, 32, hw, hb, 1e-6f);
        using var expected = CudaCheck.Cpu.Activate(normed, Activation.SiLU);
        using var dx = CudaCheck.Upload(backend, hx);
        using var dw = CudaCheck.Upload(backend, hw);
        using var db = CudaCheck.Upload(backend, hb);
        using var actual = backend.GroupNormActivate(dx, 32, dw, db, 1e-6f, Activation.SiLU);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.F32, "group norm + silu");
    }
}
