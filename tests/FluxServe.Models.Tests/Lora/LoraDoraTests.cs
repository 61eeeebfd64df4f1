using FluxServe.Engine;
using FluxServe.Models.Layers;
using FluxServe.Models.Lora;
using static FluxServe.Models.Tests.Lora.LoraReference;

namespace FluxServe.Models.Tests.Lora;

/// <summary>
/// DoRA (spec/lora.md §3, ComfyUI's <c>weight_decompose</c>) on both axes, on whole layers and on split rows, against
/// the merged weight computed here in double: <c>W' = W + strength·((W + ΔW) ⊙ dora_scale / ‖·‖ − W)</c>, the norm
/// taken over the original W's rows (output axis) or over the columns of W + ΔW (input axis).
/// </summary>
public sealed class LoraDoraTests : IDisposable
{
    private const int D = 128;
    private const double Epsilon = 1.1920929e-07;
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData(true, 0.8f)]
    [InlineData(true, 1f)]
    [InlineData(false, 0.8f)]
    [InlineData(false, -1.5f)]
    public void Dora_on_a_whole_layer_renormalises_the_merged_weight(bool onOutputAxis, float strength)
    {
        var file = new LoraFileBuilder(21);
        var (up, down) = file.AddPair("lora_unet_double_blocks_0_img_mlp_0", ".lora_up.weight", ".lora_down.weight", 512, 4, D);
        file.AddScalar("lora_unet_double_blocks_0_img_mlp_0.alpha", 2f);
        var magnitude = onOutputAxis ? file.Add("lora_unet_double_blocks_0_img_mlp_0.dora_scale", 512, 1) : file.Add("lora_unet_double_blocks_0_img_mlp_0.dora_scale", 1, D);
        using var adapter = Load(file);
        Assert.Contains(LoraAdapterKind.DoRA, adapter.Summary.Kinds);

        var delta = new double[512, D];
        AddBlock(delta, up.Times(down), 0.5);
        Check(adapter, "double_blocks.0.img_mlp.0", delta, 0, 512, magnitude.Values, onOutputAxis, strength);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Dora_on_a_split_projection_normalises_over_its_own_rows(bool onOutputAxis)
    {
        var file = new LoraFileBuilder(22);
        string stem = "transformer.transformer_blocks.1.attn.to_k";
        var (up, down) = file.AddPair(stem, ".lora_B.weight", ".lora_A.weight", D, 4, D);
        var magnitude = onOutputAxis ? file.Add(stem + ".dora_scale", D, 1) : file.Add(stem + ".dora_scale", 1, D);
        var (upV, downV) = file.AddPair("transformer.transformer_blocks.1.attn.to_v", ".lora_B.weight", ".lora_A.weight", D, 4, D); // plain LoRA beside it
        using var adapter = Load(file);

        var delta = new double[3 * D, D];
        AddBlock(delta, up.Times(down), 1.0, D);
        var plain = new double[3 * D, D];
        AddBlock(plain, upV.Times(downV), 1.0, 2 * D);
        Check(adapter, "double_blocks.1.img_attn.qkv", delta, D, D, magnitude.Values, onOutputAxis, 0.9f, plain);
    }

    [Fact]
    public void Dora_on_a_lokr_term()
    {
        var file = new LoraFileBuilder(23);
        string stem = "lora_unet_single_blocks_0_linear2";
        var w1 = file.Add(stem + ".lokr_w1", 8, 10);
        var w2 = file.Add(stem + ".lokr_w2", 16, 64);
        var magnitude = file.Add(stem + ".dora_scale", D, 1);
        using var adapter = Load(file);

        var delta = new double[D, 640];
        for (int i1 = 0; i1 < 8; i1++)
        {
            for (int j1 = 0; j1 < 10; j1++)
            {
                for (int i2 = 0; i2 < 16; i2++)
                {
                    for (int j2 = 0; j2 < 64; j2++)
                    {
                        delta[(i1 * 16) + i2, (j1 * 64) + j2] = w1[i1, j1] * w2[i2, j2];
                    }
                }
            }
        }

        Check(adapter, "single_blocks.0.linear2", delta, 0, D, magnitude.Values, true, 0.6f);
    }

    /// <summary>Merge and side path of the DoRA term on rows [offset, offset + rows) against ComfyUI's formula, plus an optional plain term.</summary>
    private static void Check(LoraAdapter adapter, string layer, double[,] delta, int offset, int rows, float[] magnitude, bool onOutputAxis, float strength, double[,]? plain = null)
    {
        int n = delta.GetLength(0), k = delta.GetLength(1);
        var random = new Random(5);
        float[] w = LoraReference.Random(random, n * k), b = LoraReference.Random(random, n), x = LoraReference.Random(random, 2 * k);
        var expected = new double[n, k];
        for (int o = 0; o < n; o++)
        {
            for (int j = 0; j < k; j++)
            {
                expected[o, j] = w[(o * k) + j] + (strength * (plain?[o, j] ?? 0));
            }
        }

        var factor = new double[onOutputAxis ? n : k];
        for (int i = 0; i < factor.Length; i++)
        {
            double sq = 0;
            if (onOutputAxis)
            {
                if (i < offset || i >= offset + rows)
                {
                    continue;
                }

                for (int j = 0; j < k; j++)
                {
                    sq += (double)w[(i * k) + j] * w[(i * k) + j];
                }

                factor[i] = magnitude[i - offset] / (Math.Sqrt(sq) + Epsilon);
            }
            else
            {
                for (int o = offset; o < offset + rows; o++)
                {
                    double v = w[(o * k) + i] + delta[o, i];
                    sq += v * v;
                }

                factor[i] = magnitude[i] / (Math.Sqrt(sq) + Epsilon);
            }
        }

        for (int o = offset; o < offset + rows; o++)
        {
            for (int j = 0; j < k; j++)
            {
                double calc = (w[(o * k) + j] + delta[o, j]) * (onOutputAxis ? factor[o] : factor[j]);
                expected[o, j] += strength * (calc - w[(o * k) + j]);
            }
        }

        Assert.True(adapter.TryGetTarget(layer, out var target));
        using var weight = Tensor.FromArray(w, n, k);
        using var merged = LoraMerge.MergeWeight(weight, 1f, [(target, strength)]);
        var m = merged.ToArray<float>();
        for (int o = 0; o < n; o++)
        {
            for (int j = 0; j < k; j++)
            {
                Assert.True(Math.Abs(m[(o * k) + j] - expected[o, j]) <= 1e-4 * (1 + Math.Abs(expected[o, j])), $"{layer} merged W[{o}, {j}] = {m[(o * k) + j]}, expected {expected[o, j]}");
            }
        }

        using var bias = Tensor.FromArray(b, n);
        using var input = Tensor.FromArray(x, 2, k);
        var linear = new LinearLayer(weight, bias) { Name = layer };
        using var scope = LoraScope.Begin(adapter, strength);
        for (int round = 0; round < 2; round++)
        {
            // The second round reads the cached norms.
            using var y = linear.Forward(input, Activation.None);
            var got = y.ToArray<float>();
            for (int t = 0; t < 2; t++)
            {
                for (int o = 0; o < n; o++)
                {
                    double e = b[o];
                    for (int j = 0; j < k; j++)
                    {
                        e += x[(t * k) + j] * expected[o, j];
                    }

                    Assert.True(Math.Abs(got[(t * n) + o] - e) <= 2e-4 * (1 + Math.Abs(e)), $"{layer} side path y[{t}, {o}] = {got[(t * n) + o]}, expected {e}");
                }
            }
        }
    }

    private LoraAdapter Load(LoraFileBuilder file) =>
        LoraAdapter.Load(file.Write(_tmp.File(Guid.NewGuid().ToString("N") + ".safetensors")), TinyDev);
}
