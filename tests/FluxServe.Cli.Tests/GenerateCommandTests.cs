using System.Diagnostics;
using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Engine.Safetensors;
using FluxServe.Pipelines.Imaging;
using FluxServe.Testing;

namespace FluxServe.Cli.Tests;

/// <summary>
/// <c>fluxserve generate</c> run as a real process on the tiny models assembled as a diffusers model folder.
/// </summary>
public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fluxserve-cli-" + Guid.NewGuid().ToString("N"));

    public GenerateCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// The pipeline fixture's run (seed, size, 4 schnell steps; its schedule [1, .75, .5, .25, 0] is ComfyUI's
    /// "simple" here) with the fixture's fixed T5/CLIP tensors as precomputed prompt embeddings: the PNG's pixels must
    /// match the reference uint8 image by the fixture's own rule.
    /// </summary>
    [Fact]
    public void Generated_png_matches_the_schnell_pipeline_fixture()
    {
        string model = TinyFluxModels.AssembleDiffusers(Path.Combine(_folder, "flux-tiny-schnell"), "schnell");
        using var cases = SafetensorsFile.Open(FixturePaths.Of("pipeline-tiny-schnell", "cases.safetensors"));
        using var json = JsonDocument.Parse(File.ReadAllText(FixturePaths.Of("pipeline-tiny-schnell", "cases.json")));
        foreach (var fixtureCase in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            var arguments = fixtureCase.GetProperty("arguments");
            var inputs = fixtureCase.GetProperty("inputs");
            string embeddings = Path.Combine(_folder, "embeddings.safetensors");
            using (var t5 = cases.GetTensor(inputs.GetProperty("t5_txt").GetString()!))
            using (var clip = cases.GetTensor(inputs.GetProperty("clip_vec").GetString()!))
            {
                SafetensorsWriter.Write(embeddings, [new("t5", t5), new("clip_pooled", clip)]);
            }

            string output = Path.Combine(_folder, "out.png");
            var (code, stdout, stderr) = RunFluxServe(
                "generate", "--model", model, "--prompt-embeddings", embeddings, "--seed", arguments.GetProperty("seed").GetRawText(),
                "--steps", arguments.GetProperty("num_steps").GetRawText(), "--sampler", "euler", "--scheduler", "simple",
                "--width", arguments.GetProperty("width").GetRawText(), "--height", arguments.GetProperty("height").GetRawText(), "-o", output);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains(output, stdout, StringComparison.Ordinal);
            Assert.Contains("step 4/4", stderr, StringComparison.Ordinal);

            using var image = ImageDecoder.Decode(File.ReadAllBytes(output));
            using var expected = cases.GetTensor(fixtureCase.GetProperty("outputs").GetProperty("image_uint8").GetString()!);
            var rule = fixtureCase.GetProperty("tolerance").GetProperty("image_uint8");
            float[] reference = expected.ToArray<float>();
            var pixels = image.Pixels;
            Assert.Equal(reference.Length, pixels.Length);
            int off = 0, worst = 0;
            for (int i = 0; i < reference.Length; i++)
            {
                int diff = Math.Abs(pixels[i] - (int)reference[i]);
                worst = Math.Max(worst, diff);
                off += diff > 0 ? 1 : 0;
            }

            Assert.True(worst <= rule.GetProperty("max_abs").GetInt32(), $"worst |Δ| {worst}");
            Assert.True(off <= rule.GetProperty("max_fraction_off_by_one").GetDouble() * reference.Length, $"{off} values off");
        }
    }

    [Fact]
    public void Prompt_run_writes_a_deterministic_jpeg_of_the_requested_size()
    {
        string model = TinyFluxModels.AssembleDiffusers(Path.Combine(_folder, "flux-tiny-dev"), "dev");
        byte[]? first = null;
        for (int run = 0; run < 2; run++)
        {
            string output = Path.Combine(_folder, $"tiger{run}.jpg");
            var (code, _, stderr) = RunFluxServe(
                "generate", "--model", model, "--prompt", "a photo of a tiger", "--seed", "7", "--steps", "3", "--width", "48", "--height", "32", "-o", output);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains("FLUX.1-dev", stderr, StringComparison.Ordinal);
            byte[] bytes = File.ReadAllBytes(output);
            using var image = ImageDecoder.Decode(bytes);
            Assert.Equal((48, 32), (image.Width, image.Height));
            if (first is null)
            {
                first = bytes;
            }
            else
            {
                Assert.Equal(first, bytes);
            }
        }
    }

    [Fact]
    public void Missing_model_fails_with_a_clear_message()
    {
        var (code, _, stderr) = RunFluxServe("generate", "--model", Path.Combine(_folder, "nothing"), "--prompt", "x");
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Stdout, string Stderr) RunFluxServe(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fluxserve.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("fluxserve generate did not finish in 5 minutes.");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
