using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

[Collection(CudaCollection.Name)]
public sealed class CudaAttentionTests
{
    public static TheoryData<DType, int, int, int, int, int, bool> Cases()
    {
        var data = new TheoryData<DType, int, int, int, int, int, bool>();
        foreach (var dtype in (DType[])[DType.BF16, DType.F32])
        {
            foreach (int d in (int[])[64, 128])
            {
                data.Add(dtype, 1, 2, 1, 1, d, false);
                data.Add(dtype, 2, 3, 63, 63, d, false);
                data.Add(dtype, 1, 2, 65, 65, d, true);
                data.Add(dtype, 1, 4, 300, 300, d, false);
                data.Add(dtype, 2, 2, 70, 130, d, false);    // cross attention, Lq ≠ Lk
                data.Add(dtype, 1, 2, 129, 129, d, true);
            }

            data.Add(dtype, 1, 2, 77, 77, 80, false);        // head dims the flash kernel does not take
            data.Add(dtype, 1, 1, 256, 256, 512, false);     // the autoencoder's single 512-wide head
        }

        data.Add(DType.BF16, 1, 24, 4608, 4608, 128, false);  // one FLUX.1 block at 1024x1024 (4096 + 512 tokens)
        data.Add(DType.BF16, 1, 1, 16896, 16896, 128, false); // 2048x2048: 16384 + 512 tokens
        return data;
    }

    [CudaTheory]
    [MemberData(nameof(Cases))]
    public void AttentionMatchesTheCpu(DType activation, int batch, int heads, int lq, int lk, int d, bool causal)
    {
        var backend = CudaTestDevice.For(activation);
        Check(backend, activation, batch, heads, lq, lk, d, causal, bias: null);
    }

    [CudaTheory]
    [InlineData(DType.BF16, new[] { 1, 4, 77, 77 })]
    [InlineData(DType.BF16, new[] { 2, 1, 1, 77 })]
    [InlineData(DType.F32, new[] { 4, 77, 77 })]
    [InlineData(DType.F32, new[] { 77 })]
    public void AttentionAddsABroadcastBias(DType activation, int[] biasShape)
    {
        var backend = CudaTestDevice.For(activation);
        using var bias = CudaCheck.HostRandom(51, DType.F32, -4f, 4f, biasShape);
        Check(backend, activation, 2, 4, 77, 77, 64, causal: true, bias);
    }

    [CudaFact]
    public void TheProductFallbackGivesTheSameAnswerInSmallChunks()
    {
        Assert.True(CudaBackend.TryCreate(new CudaBackendOptions { ActivationDType = DType.BF16, FlashAttention = false, AttentionScratchBytes = 40_000, PoisonAllocations = true }, out var backend, out string reason), reason);
        Check(backend, DType.BF16, 1, 3, 150, 90, 64, causal: true, bias: null);
    }

    private static void Check(CudaBackend backend, DType activation, int batch, int heads, int lq, int lk, int d, bool causal, Tensor? bias)
    {
        if (CudaCheck.TooLargeForEmulation((double)batch * heads * lq * lk * d))
        {
            return;
        }

        float scale = 1f / MathF.Sqrt(d);
        using var q = CudaCheck.HostRandom(52, activation, -2f, 2f, batch, heads, lq, d);
        using var k = CudaCheck.HostRandom(53, activation, -2f, 2f, batch, heads, lk, d);
        using var v = CudaCheck.HostRandom(54, activation, batch, heads, lk, d);
        using var expected = CudaCheck.Cpu.Attention(q, k, v, bias, causal, scale);
        using var dq = CudaCheck.Upload(backend, q);
        using var dk = CudaCheck.Upload(backend, k);
        using var dv = CudaCheck.Upload(backend, v);
        using var dbias = bias is null ? null : CudaCheck.Upload(backend, bias, DType.F32);
        using var actual = backend.Attention(dq, dk, dv, dbias, causal, scale);
        // bf16 probabilities feed the second product: allow twice the element-wise bf16 tolerance.
        var tolerance = activation == DType.F32 ? CudaTolerance.F32 : CudaTolerance.BF16.Times(2);
        CudaCheck.AssertClose(expected, backend, actual, tolerance, $"attention B{batch} H{heads} Lq{lq} Lk{lk} D{d}{(causal ? " causal" : string.Empty)}{(bias is null ? string.Empty : " bias " + Tensor.FormatShape(bias.Shape))}");
    }
}
