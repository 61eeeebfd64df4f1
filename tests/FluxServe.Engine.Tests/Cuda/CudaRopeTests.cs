namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaRopeTests
{
    [CudaTheory]
    [InlineData(DType.F32, 2, 3, 17, 64, 1)]
    [InlineData(DType.F32, 2, 3, 17, 64, 2)]
    [InlineData(DType.BF16, 1, 24, 300, 128, 1)]
    [InlineData(DType.F32, 1, 1, 5, 2, 1)]
    public void RopeMatchesTheCpu(DType activation, int batch, int heads, int length, int d, int peBatch)
    {
        if (CudaCheck.TooLargeForEmulation((double)batch * heads * length * d))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        using var hx = CudaCheck.HostRandom(31, activation, batch, heads, length, d);
        using var pe = Table(peBatch, length, d, 32);
        using var expected = CudaCheck.Cpu.Rope(hx, pe);
        using var dx = CudaCheck.Upload(backend, hx);
        using var dpe = CudaCheck.Upload(backend, pe, DType.F32);
        using var actual = backend.Rope(dx, dpe);
        CudaCheck.AssertClose(expected, backend, actual, CudaTolerance.For(activation), "rope");
    }

    [CudaTheory]
    [InlineData(DType.F32, 2, 19, 4, 64)]
    [InlineData(DType.F32, 1, 33, 3, 128)]
    [InlineData(DType.BF16, 1, 300, 24, 128)]
    public void SplitQkvNormRopeEqualsTheComposition(DType activation, int batch, int length, int heads, int d)
    {
        if (CudaCheck.TooLargeForEmulation((double)batch * length * heads * d * 3))
        {
            return;
        }

        var backend = CudaTestDevice.For(activation);
        using var qkv = CudaCheck.HostRandom(33, activation, -2f, 2f, batch, length, 3 * heads * d);
        using var qScale = CudaCheck.HostRandom(34, DType.F32, 0.5f, 1.5f, d);
        using var kScale = CudaCheck.HostRandom(35, DType.F32, 0.5f, 1.5f, d);
        using var pe = Table(1, length, d, 36);

        // FluxAttention.SplitHeads then Attend's two RoPEs, on the CPU (spec/flux-transformer.md §7.1–7.3).
        var cpu = CudaCheck.Cpu;
        using var split = qkv.Reshape(batch, length, 3, heads, d);
        using var permuted = cpu.Permute(split, [2, 0, 3, 1, 4]);
        using var q = permuted.Narrow0(0, 1).Reshape(batch, heads, length, d);
        using var k = permuted.Narrow0(1, 1).Reshape(batch, heads, length, d);
        using var v = permuted.Narrow0(2, 1).Reshape(batch, heads, length, d);
        using var qn = cpu.RmsNorm(q, qScale, 1e-6f);
        using var kn = cpu.RmsNorm(k, kScale, 1e-6f);
        if (activation != DType.F32)
        {
            // The composition stores the normalised vectors in the activation dtype before rotating them.
            CudaCheck.Round(qn.AsSpan<float>(), activation);
            CudaCheck.Round(kn.AsSpan<float>(), activation);
        }

        using var expectedQ = cpu.Rope(qn, pe);
        using var expectedK = cpu.Rope(kn, pe);

        using var dqkv = CudaCheck.Upload(backend, qkv);
        using var dq = CudaCheck.Upload(backend, qScale, DType.F32);
        using var dk = CudaCheck.Upload(backend, kScale, DType.F32);
        using var dpe = CudaCheck.Upload(backend, pe, DType.F32);
        var (aq, ak, av) = backend.SplitQkvNormRope(dqkv, heads, dq, dk, dpe, 1e-6f);
        using (aq)
        using (ak)
        using (av)
        {
            var tolerance = CudaTolerance.For(activation);
            CudaCheck.AssertClose(expectedQ, backend, aq, tolerance, "q");
            CudaCheck.AssertClose(expectedK, backend, ak, tolerance, "k");
            CudaCheck.AssertClose(v, backend, av, CudaTolerance.F32.Times(0), "v (a copy)");
        }
    }

    // A rotation table like EmbedNd's: pe[b, 0, l, j] = [[cos θ, −sin θ], [sin θ, cos θ]] with random angles.
    internal static Tensor Table(int batch, int length, int d, int seed)
    {
        var random = new Random(seed);
        var pe = Tensor.Empty([batch, 1, length, d / 2, 2, 2]);
        var span = pe.AsSpan<float>();
        for (int i = 0; i < span.Length; i += 4)
        {
            double angle = random.NextDouble() * 100;
            float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
            span[i] = c;
            span[i + 1] = -s;
            span[i + 2] = s;
            span[i + 3] = c;
        }

        return pe;
    }
}
