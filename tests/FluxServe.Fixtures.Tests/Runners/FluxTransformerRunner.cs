using System.Collections.Concurrent;
using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Models.Flux;
using FluxServe.Testing;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>flux-tiny-schnell</c> and <c>flux-tiny-dev</c>: <c>Flux.forward</c> on the case's weights, loaded in each of the
/// three public layouts (the BFL file itself, and the ComfyUI-prefixed and diffusers layouts written from it by the
/// documented renaming), compared with the reference prediction; also the timestep embedding and RoPE table
/// intermediates where the case records them.
/// </summary>
public sealed class FluxTransformerRunner : IFixtureRunner
{
    private static readonly ConcurrentDictionary<string, Lazy<string[]>> s_layouts = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        string weights = fixtureCase.ResolvePath(fixtureCase.Json.GetProperty("weights").GetString()!);
        using var img = fixtureCase.Input("img");
        using var imgIds = fixtureCase.Input("img_ids");
        using var txt = fixtureCase.Input("txt");
        using var txtIds = fixtureCase.Input("txt_ids");
        using var timesteps = fixtureCase.Input("timesteps");
        using var y = fixtureCase.Input("y");
        float[] guidance = [];
        if (fixtureCase.Inputs.TryGetProperty("guidance", out _))
        {
            using var g = fixtureCase.Input("guidance");
            guidance = FixtureTensors.ToSingles(g);
        }

        using var expected = fixtureCase.Tensor(fixtureCase.OutputName("pred"));
        float[] t = FixtureTensors.ToSingles(timesteps);
        CheckIntermediates(fixtureCase, imgIds, txtIds, t);

        foreach (string path in Layouts(weights))
        {
            using var model = FluxCheckpoint.Load(path);
            using var pred = model.Forward(img, imgIds, txt, txtIds, t, y, model.Config.GuidanceEmbed ? guidance : default);
            FixtureAssert.Close(expected, pred, fixtureCase.Tolerance, $"{fixtureCase} pred ({Path.GetFileName(path)})");
        }
    }

    private static void CheckIntermediates(FixtureCase fixtureCase, Tensor imgIds, Tensor txtIds, float[] t)
    {
        var intermediates = fixtureCase.Intermediates;
        if (intermediates.TryGetProperty("timestep_embedding", out var te))
        {
            using var expected = fixtureCase.Tensor(te.GetString()!);
            using var actual = TimestepEmbedding.Compute(t, expected.Dim(-1), Device.Cpu);
            FixtureAssert.Close(expected, actual, fixtureCase.Tolerance, $"{fixtureCase} timestep_embedding");
        }

        if (intermediates.TryGetProperty("pe", out var pe))
        {
            using var expected = fixtureCase.Tensor(pe.GetString()!);
            int headDim = expected.Dim(-3) * 2;
            using var ids = Backends.For(Device.Cpu).Concat([txtIds, imgIds], 1);
            using var actual = EmbedNd.Compute(ids, [headDim / 8, headDim * 7 / 16, headDim * 7 / 16], 10000, Device.Cpu);
            FixtureAssert.Close(expected, actual, fixtureCase.Tolerance, $"{fixtureCase} pe");
        }
    }

    // The BFL file, plus ComfyUI and diffusers copies written once per weights file for the test run.
    private static string[] Layouts(string bflFile) => s_layouts.GetOrAdd(bflFile, file => new Lazy<string[]>(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), "fluxserve-fixture-layouts-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        string comfy = Path.Combine(dir, "flux1-comfy.safetensors");
        FluxLayouts.WriteComfyUi(file, comfy);
        string diffusers = Path.Combine(dir, "diffusers");
        FluxLayouts.WriteDiffusers(file, diffusers);
        return [file, comfy, diffusers];
    })).Value;
}
