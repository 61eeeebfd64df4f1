using FluxServe.Engine;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Flux;
using FluxServe.Models.Lora;
using FluxServe.Testing;

namespace FluxServe.Models.Tests.Lora;

/// <summary>
/// LoRA on the whole FLUX network (flux-tiny-dev): the run-time side path equals the forward of the merged weights,
/// adapters stack, strength 0 is the base model bit for bit, and concurrent requests with different adapters on one
/// shared base model each get their own result.
/// </summary>
public sealed class LoraForwardTests : IDisposable
{
    private static readonly string[] s_fixtureFiles =
    [
        "lora_bfl.safetensors", "lora_kohya.safetensors", "lora_kohya_bf16.safetensors",
        "lora_diffusers.safetensors", "lora_diffusers_noalpha.safetensors", "lora_diffusers_split.safetensors",
    ];

    private readonly TempFolder _tmp = new();
    private readonly FluxConfig _config;
    private readonly WeightSet _weights;
    private readonly FluxTransformer _model;
    private readonly Tensor _img, _imgIds, _txt, _txtIds, _y;

    public LoraForwardTests()
    {
        (_config, _weights, _) = FluxCheckpoint.Read(FixturePaths.Of("flux-tiny-dev", "model.safetensors"), Device.Cpu);
        _model = new FluxTransformer(_config, _weights);
        var random = new Random(42);
        _img = Tensor.FromArray(LoraReference.Random(random, 16 * 64), 1, 16, 64);
        _imgIds = LatentPacking.ImageIds(1, 8, 8);
        _txt = Tensor.FromArray(LoraReference.Random(random, 5 * 48), 1, 5, 48);
        _txtIds = Tensor.Zeros([1, 5, 3]);
        _y = Tensor.FromArray(LoraReference.Random(random, 32), 1, 32);
    }

    public void Dispose()
    {
        _model.Dispose();
        foreach (var t in (ReadOnlySpan<Tensor>)[_img, _imgIds, _txt, _txtIds, _y])
        {
            t.Dispose();
        }

        _tmp.Dispose();
    }

    [Fact]
    public void Side_path_equals_the_forward_of_the_merged_weights()
    {
        var files = s_fixtureFiles.Select(f => FixturePaths.Of("lora-tiny", f)).Append(MixedAdapterFile()).ToList();
        using var basePred = Forward(_model);
        foreach (string file in files)
        {
            using var adapter = LoraAdapter.Load(file, _config);
            foreach (float strength in (ReadOnlySpan<float>)[1.3f, -0.6f])
            {
                float[] side;
                using (LoraScope.Begin(adapter, strength))
                {
                    using var pred = Forward(_model);
                    side = pred.ToArray<float>();
                }

                using var mergedModel = new FluxTransformer(_config, LoraMerge.Merge(_weights, new LoraActivation(adapter, strength)));
                using var merged = Forward(mergedModel);
                AssertClose(merged.ToArray<float>(), side, 1e-4, $"{Path.GetFileName(file)} at {strength}");
                Assert.True(MaxAbsDifference(basePred.ToArray<float>(), side) > 0.05, $"{Path.GetFileName(file)} at {strength} changes nothing");
            }
        }
    }

    [Fact]
    public void Adapters_stack_additively_in_one_scope_in_nested_scopes_and_in_a_merge()
    {
        using var a = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_kohya.safetensors"), _config);
        using var b = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_diffusers_split.safetensors"), _config);
        using var c = LoraAdapter.Load(MixedAdapterFile(), _config);
        LoraActivation[] all = [new(a, 0.7f), new(b, -0.5f), new(c, 0.4f)];
        float[] together, nested;
        using (LoraScope.Begin(all))
        {
            using var pred = Forward(_model);
            together = pred.ToArray<float>();
        }

        using (LoraScope.Begin(a, 0.7f))
        using (LoraScope.Begin(b, -0.5f))
        using (var inner = LoraScope.Begin(c, 0.4f))
        {
            Assert.Equal(3, inner.Active.Count);
            using var pred = Forward(_model);
            nested = pred.ToArray<float>();
        }

        Assert.Equal(together, nested);
        using var mergedModel = new FluxTransformer(_config, LoraMerge.Merge(_weights, all));
        using var merged = Forward(mergedModel);
        AssertClose(merged.ToArray<float>(), together, 1e-4, "three adapters");
    }

    [Fact]
    public void Strength_zero_and_no_scope_are_the_base_model_bit_for_bit_and_strengths_must_be_finite()
    {
        using var adapter = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_diffusers_split.safetensors"), _config);
        using var basePred = Forward(_model);
        using (LoraScope.Begin(adapter, 0f))
        {
            using var pred = Forward(_model);
            Assert.Equal(basePred.ToArray<float>(), pred.ToArray<float>());
        }

        Assert.Null(LoraScope.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => LoraScope.Begin(adapter, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoraScope.Begin(adapter, float.PositiveInfinity));
        Assert.Null(LoraScope.Current);

        // Negative strengths subtract: nested +1, −2 stack to −1, and a further +1 cancels the adapter.
        using (LoraScope.Begin(adapter, 1f))
        using (var plus = Forward(_model))
        using (LoraScope.Begin(adapter, -2f))
        {
            using var minus = Forward(_model);
            Assert.True(MaxAbsDifference(plus.ToArray<float>(), minus.ToArray<float>()) > 0.05);
            using var cancel = LoraScope.Begin(adapter, 1f);
            using var zero = Forward(_model);
            AssertClose(basePred.ToArray<float>(), zero.ToArray<float>(), 1e-5, "+1 −2 +1");
        }
    }

    [Fact]
    public void Scopes_must_be_disposed_innermost_first()
    {
        using var adapter = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_bfl.safetensors"), _config);
        var outer = LoraScope.Begin(adapter, 1f);
        var inner = LoraScope.Begin(adapter, 1f);
        Assert.Throws<InvalidOperationException>(outer.Dispose);
        inner.Dispose();
        outer.Dispose();
        Assert.Null(LoraScope.Current);
    }

    [Fact]
    public void Concurrent_requests_with_different_adapters_on_one_base_model_each_get_their_own_result()
    {
        using var a = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_kohya_bf16.safetensors"), _config);
        using var b = LoraAdapter.Load(FixturePaths.Of("lora-tiny", "lora_diffusers_split.safetensors"), _config);
        LoraActivation?[] requests = [new LoraActivation(a, 0.8f), new LoraActivation(b, -1.1f), null, new LoraActivation(a, 1.7f)];
        var expected = new float[requests.Length][];
        for (int i = 0; i < requests.Length; i++)
        {
            expected[i] = RunRequest(requests[i]);
        }

        Assert.NotEqual(expected[0], expected[1]);
        Assert.NotEqual(expected[0], expected[2]);
        Assert.NotEqual(expected[0], expected[3]);

        const int rounds = 4;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(requests.Length);
        var threads = new Thread[requests.Length];
        for (int i = 0; i < requests.Length; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int round = 0; round < rounds; round++)
                {
                    float[] got = RunRequest(requests[index]);
                    if (!got.AsSpan().SequenceEqual(expected[index]))
                    {
                        failures.Enqueue($"request {index} round {round}: max |Δ| = {MaxAbsDifference(expected[index], got)}");
                    }
                }
            });
            threads[i].Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        Assert.Empty(failures);
    }

    private float[] RunRequest(LoraActivation? request)
    {
        using var scope = request is { } r ? LoraScope.Begin(r) : null;
        using var pred = Forward(_model);
        return pred.ToArray<float>();
    }

    private Tensor Forward(FluxTransformer model) => model.Forward(_img, _imgIds, _txt, _txtIds, [0.6f], _y, [3.5f]);

    /// <summary>A file mixing formats and adapter types on flux-tiny-dev: kohya, diffusers splits with their own alphas, norm_out, LoHa, LoKr, DoRA on both axes, differences, a CLIP key.</summary>
    private string MixedAdapterFile()
    {
        const int d = 128, mlp = 512;
        var file = new LoraFileBuilder(99);
        file.AddPair("lora_unet_double_blocks_0_img_attn_qkv", ".lora_up.weight", ".lora_down.weight", 3 * d, 4, d, DType.BF16);
        file.AddScalar("lora_unet_double_blocks_0_img_attn_qkv.alpha", 8f, DType.BF16);
        file.AddPair("transformer.single_transformer_blocks.0.attn.to_v", ".lora_B.weight", ".lora_A.weight", d, 4, d);
        file.AddScalar("transformer.single_transformer_blocks.0.attn.to_v.alpha", 2f);
        file.Add("transformer.single_transformer_blocks.0.attn.to_v.dora_scale", d, 1);
        file.AddPair("transformer.single_transformer_blocks.0.proj_mlp", ".lora_B.weight", ".lora_A.weight", mlp, 2, d);
        file.AddPair("transformer.norm_out.linear", ".lora_B.weight", ".lora_A.weight", 2 * d, 4, d);
        string loha = "lycoris_transformer_blocks_1_ff_net_2";
        file.Add(loha + ".hada_w1_a", d, 2);
        file.Add(loha + ".hada_w1_b", 2, mlp);
        file.Add(loha + ".hada_w2_a", d, 2);
        file.Add(loha + ".hada_w2_b", 2, mlp);
        file.AddScalar(loha + ".alpha", 1f);
        string lokr = "lora_unet_double_blocks_1_txt_attn_proj";
        file.Add(lokr + ".lokr_w1", 8, 8);
        file.Add(lokr + ".lokr_w2_a", 16, 2);
        file.Add(lokr + ".lokr_w2_b", 2, 16);
        file.AddScalar(lokr + ".alpha", 1f);
        file.Add(lokr + ".dora_scale", 1, d);
        file.Add("diffusion_model.single_blocks.1.modulation.lin.diff", 3 * d, d);
        file.AddVector("diffusion_model.single_blocks.1.modulation.lin.diff_b", 3 * d);
        file.AddPair("lora_te1_text_model_encoder_layers_0_self_attn_k_proj", ".lora_up.weight", ".lora_down.weight", 32, 4, 32);
        return file.Write(_tmp.File("mixed.safetensors"));
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    /// <summary>The fixtures' rule: |a − e| ≤ rel·max(1, max|e|) + rel·|e|.</summary>
    private static void AssertClose(float[] expected, float[] actual, double rel, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbs = 1;
        foreach (float e in expected)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(e));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double bound = (rel * maxAbs) + (rel * Math.Abs(expected[i]));
            Assert.True(Math.Abs(actual[i] - expected[i]) <= bound, $"{what}: element {i} is {actual[i]}, expected {expected[i]} (bound {bound})");
        }
    }
}
