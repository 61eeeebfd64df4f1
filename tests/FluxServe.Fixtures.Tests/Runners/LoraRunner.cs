using System.Collections.Concurrent;
using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Flux;
using FluxServe.Models.Lora;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>lora-tiny</c>: <c>Flux.forward</c> with each LoRA file of the case (<c>lora_files</c>) at the case's strength,
/// both ways FluxServe can apply it: the run-time side path (<see cref="LoraScope"/> over the shared base model) and
/// the merge into a copy (<see cref="LoraMerge"/>), each compared with the reference prediction; the merged weights
/// the case records are compared with the reference merge. A case without LoRA files is the base model; there, every
/// LoRA file the folder uses must also leave the forward bit-identical at strength 0.
/// </summary>
public sealed class LoraRunner : IFixtureRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<BaseModel>> s_models = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        var model = s_models.GetOrAdd(
            fixtureCase.ResolvePath(fixtureCase.Json.GetProperty("weights").GetString()!),
            path => new Lazy<BaseModel>(() => BaseModel.Load(path))).Value;
        using var inputs = Inputs.Read(fixtureCase);
        using var expected = fixtureCase.Tensor(fixtureCase.OutputName("pred"));
        string[] files = LoraFiles(fixtureCase.Json);
        if (files.Length == 0)
        {
            using var basePred = inputs.Run(model.Transformer);
            FixtureAssert.Close(expected, basePred, fixtureCase.Tolerance, $"{fixtureCase} pred (no LoRA)");
            foreach (string file in fixtureCase.Folder.Cases.SelectMany(c => LoraFiles(c.Json)).Distinct(StringComparer.Ordinal))
            {
                using var adapter = LoraAdapter.Load(fixtureCase.ResolvePath(file), model.Config);
                using var scope = LoraScope.Begin(adapter, 0f);
                using var pred = inputs.Run(model.Transformer);
                FixtureAssert.BitExact(basePred, pred, $"{fixtureCase} {file} at strength 0");
            }

            return;
        }

        float strength = fixtureCase.Argument("strength").GetSingle();
        foreach (string file in files)
        {
            using var adapter = LoraAdapter.Load(fixtureCase.ResolvePath(file), model.Config);
            using (LoraScope.Begin(adapter, strength))
            {
                using var pred = inputs.Run(model.Transformer);
                FixtureAssert.Close(expected, pred, fixtureCase.Tolerance, $"{fixtureCase} pred ({file}, side path at {strength})");
            }

            var merged = LoraMerge.Merge(model.Weights, new LoraActivation(adapter, strength));
            using var mergedModel = new FluxTransformer(model.Config, merged);
            using (var pred = inputs.Run(mergedModel))
            {
                FixtureAssert.Close(expected, pred, fixtureCase.Tolerance, $"{fixtureCase} pred ({file}, merged at {strength})");
            }

            if (fixtureCase.Outputs.TryGetProperty("merged_weights", out var mergedWeights))
            {
                var tolerance = FixtureTolerance.FromJson(fixtureCase.Json.GetProperty("tolerance_merged_weights"), $"{fixtureCase} tolerance_merged_weights");
                foreach (var entry in mergedWeights.EnumerateObject())
                {
                    using var reference = fixtureCase.Tensor(entry.Value.GetString()!);
                    FixtureAssert.Close(reference, merged[entry.Name], tolerance, $"{fixtureCase} merged {entry.Name} ({file})");
                }
            }
        }
    }

    private static string[] LoraFiles(JsonElement json) =>
        json.TryGetProperty("lora_files", out var files) && files.ValueKind == JsonValueKind.Array
            ? [.. files.EnumerateArray().Select(f => f.GetString()!)]
            : [];

    /// <summary>The base model, loaded once per weights file and shared by every case (as a server shares it by every endpoint).</summary>
    private sealed record BaseModel(FluxConfig Config, WeightSet Weights, FluxTransformer Transformer)
    {
        public static BaseModel Load(string path)
        {
            var (config, weights, _) = FluxCheckpoint.Read(path, Device.Cpu);
            return new BaseModel(config, weights, new FluxTransformer(config, weights));
        }
    }

    /// <summary>The forward inputs of a case.</summary>
    private sealed class Inputs : IDisposable
    {
        private readonly Tensor _img, _imgIds, _txt, _txtIds, _y;
        private readonly float[] _timesteps, _guidance;

        private Inputs(Tensor img, Tensor imgIds, Tensor txt, Tensor txtIds, Tensor y, float[] timesteps, float[] guidance)
        {
            (_img, _imgIds, _txt, _txtIds, _y) = (img, imgIds, txt, txtIds, y);
            (_timesteps, _guidance) = (timesteps, guidance);
        }

        public static Inputs Read(FixtureCase c)
        {
            using var timesteps = c.Input("timesteps");
            float[] guidance = [];
            if (c.Inputs.TryGetProperty("guidance", out _))
            {
                using var g = c.Input("guidance");
                guidance = FixtureTensors.ToSingles(g);
            }

            return new Inputs(c.Input("img"), c.Input("img_ids"), c.Input("txt"), c.Input("txt_ids"), c.Input("y"), FixtureTensors.ToSingles(timesteps), guidance);
        }

        public Tensor Run(FluxTransformer model) =>
            model.Forward(_img, _imgIds, _txt, _txtIds, _timesteps, _y, model.Config.GuidanceEmbed ? _guidance : default);

        public void Dispose()
        {
            foreach (var t in (ReadOnlySpan<Tensor>)[_img, _imgIds, _txt, _txtIds, _y])
            {
                t.Dispose();
            }
        }
    }
}
