using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Redux;
using FluxServe.Testing;

namespace FluxServe.Models.Tests.Redux;

/// <summary>
/// The Redux embedder's layouts and errors, on the redux-tiny fixture weights (32 → 144 → 48). Its numbers against
/// BFL's <c>ReduxImageEncoder</c> are the fixture runner's; here the forward is also checked against a scalar
/// double computation of <c>redux_down(silu(redux_up(h)))</c>.
/// </summary>
public sealed class ReduxEmbedderTests
{
    private static string Weights => FixturePaths.Of("redux-tiny", "model.safetensors");

    [Fact]
    public void Forward_matches_a_scalar_double_computation()
    {
        using var embedder = ReduxCheckpoint.Load(Weights);
        Assert.Equal(new ReduxConfig { VisionDim = 32, HiddenDim = 144, ContextDim = 48 }, embedder.Config);
        using var file = SafetensorsFile.Open(Weights);
        float[] Read(string n)
        {
            using var t = file.GetTensor(n);
            return t.ToArray<float>();
        }

        float[] upW = Read("redux_up.weight"), upB = Read("redux_up.bias"), downW = Read("redux_down.weight"), downB = Read("redux_down.bias");
        var random = new Random(5);
        const int Tokens = 11;
        float[] h = Enumerable.Range(0, 2 * Tokens * 32).Select(_ => (float)((random.NextDouble() * 6) - 3)).ToArray();
        using var input = Tensor.FromSpan<float>(h, [2, Tokens, 32], DType.F32);
        using var output = embedder.Forward(input);
        Assert.Equal([2, Tokens, 48], output.Shape.ToArray());
        float[] actual = output.ToArray<float>();
        var hidden = new double[144];
        for (int row = 0; row < 2 * Tokens; row++)
        {
            for (int j = 0; j < 144; j++)
            {
                double s = upB[j];
                for (int k = 0; k < 32; k++)
                {
                    s += (double)upW[(j * 32) + k] * h[(row * 32) + k];
                }

                hidden[j] = s / (1 + Math.Exp(-s));
            }

            for (int o = 0; o < 48; o++)
            {
                double s = downB[o];
                for (int j = 0; j < 144; j++)
                {
                    s += downW[(o * 144) + j] * hidden[j];
                }

                Assert.True(Math.Abs(actual[(row * 48) + o] - s) <= 1e-5 * Math.Max(1, Math.Abs(s)), $"row {row} out {o}: {actual[(row * 48) + o]} vs {s}");
            }
        }
    }

    [Fact]
    public void Loads_from_a_diffusers_image_embedder_folder_with_the_same_outputs()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "image_embedder");
        Directory.CreateDirectory(dir);
        File.Copy(Weights, Path.Combine(dir, "diffusion_pytorch_model.safetensors"));
        using var fromFolder = ReduxCheckpoint.Load(tmp.Path);
        using var fromFile = ReduxCheckpoint.Load(Weights);
        using var input = Tensor.FromSpan<float>(Enumerable.Range(0, 3 * 32).Select(i => MathF.Sin(i)).ToArray(), [1, 3, 32], DType.F32);
        using var a = fromFolder.Forward(input);
        using var b = fromFile.Forward(input);
        Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
    }

    [Fact]
    public void Bf16_weights_load_and_stay_close()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("flux1-redux-dev.safetensors");
        using (var source = SafetensorsFile.Open(Weights))
        {
            var cast = source.Entries.Select(e =>
            {
                using var t = source.GetTensor(e.Name);
                return new KeyValuePair<string, Tensor>(e.Name, t.Cast(DType.BF16));
            }).ToList();
            SafetensorsWriter.Write(file, cast);
            cast.ForEach(t => t.Value.Dispose());
        }

        using var bf16 = ReduxCheckpoint.Load(file);
        using var f32 = ReduxCheckpoint.Load(Weights);
        using var input = Tensor.FromSpan<float>(Enumerable.Range(0, 4 * 32).Select(i => MathF.Cos(i * 0.7f)).ToArray(), [1, 4, 32], DType.F32);
        using var a = bf16.Forward(input);
        using var b = f32.Forward(input);
        float worst = a.ToArray<float>().Zip(b.ToArray<float>(), (x, y) => MathF.Abs(x - y)).Max();
        Assert.InRange(worst, 1e-6f, 5e-2f);
    }

    [Fact]
    public void Wrong_or_extra_tensors_are_named()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("redux.safetensors");
        using (var source = SafetensorsFile.Open(Weights))
        {
            var all = source.Entries.Where(e => e.Name != "redux_down.bias")
                .Select(e => new KeyValuePair<string, Tensor>(e.Name, source.GetTensor(e.Name)))
                .Append(new("redux_down.bias", Tensor.Zeros([47])))
                .Append(new("redux_mid.weight", Tensor.Zeros([2, 2])))
                .ToList();
            SafetensorsWriter.Write(file, all);
            all.ForEach(t => t.Value.Dispose());
        }

        var ex = Assert.Throws<CheckpointException>(() => ReduxCheckpoint.Load(file));
        Assert.Contains("'redux_down.bias' has shape [47]; expected [48]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'redux_mid.weight'", ex.Message, StringComparison.Ordinal);

        SafetensorsWriter.Write(file, [new KeyValuePair<string, Tensor>("img_in.weight", Tensor.Zeros([4, 4]))]);
        ex = Assert.Throws<CheckpointException>(() => ReduxCheckpoint.Load(file));
        Assert.Contains("is not a FLUX.1 Redux embedder: tensor 'redux_up.weight' is missing", ex.Message, StringComparison.Ordinal);
    }
}
