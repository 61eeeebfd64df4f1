using FluxServe.Models.Checkpoints;
using FluxServe.Pipelines.Redux;
using FluxServe.Pipelines.Registry;
using FluxServe.Pipelines.TextToImage;
using FluxServe.Testing;

namespace FluxServe.Pipelines.Tests.Redux;

/// <summary>
/// <see cref="ImageVariationPipeline"/> on the tiny schnell model and the tiny Redux folder: it must be the empty
/// prompt's conditioning with the image's Redux tokens appended, sampled like text to image (each piece is tied to the
/// reference by the fixtures; this checks the assembly), and the image must matter.
/// </summary>
public sealed class ImageVariationPipelineTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fluxserve-variation-" + Guid.NewGuid().ToString("N"));
    private readonly FluxModel _flux;
    private readonly ReduxModel _redux;

    public ImageVariationPipelineTests()
    {
        _flux = FluxModel.Load(TinyFluxModels.AssembleDiffusers(Path.Combine(_folder, "flux"), "schnell"));
        _redux = ReduxModel.Load(TinyReduxModels.AssembleDiffusers(Path.Combine(_folder, "redux")));
    }

    [Fact]
    public void Equals_the_empty_prompt_with_the_image_tokens_appended()
    {
        using var image = ReduxTestData.Pattern(50, 70, 3);
        using var pipeline = new ImageVariationPipeline(_flux, _redux);
        var request = new ImageVariationRequest { Image = image, Width = 64, Height = 48, Steps = 2, Seed = 98566, Samples = 2 };
        using var actual = pipeline.Generate(request);

        using var prompt = new PromptEncoder(_flux).Encode(string.Empty);
        using var tokens = new ReduxConditioner(_redux.Tower, _redux.Embedder).EncodeImage(image);
        using var conditioning = ReduxConditioner.Append(prompt, [tokens]);
        Assert.Equal(prompt.Tokens.Dim(1) + tokens.Dim(1), conditioning.Tokens.Dim(1));
        using var expected = new TextToImagePipeline(_flux).Generate(
            new TextToImageRequest { Prompt = "unused", Width = 64, Height = 48, Steps = 2, Seed = 98566, Samples = 2, Scheduler = "simple" },
            conditioning, null, CancellationToken.None);

        Assert.Equal(2, actual.Images.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(64, actual.Images[i].Width);
            Assert.Equal(48, actual.Images[i].Height);
            Assert.True(expected.Images[i].Pixels.SequenceEqual(actual.Images[i].Pixels), $"sample {i} differs");
        }
    }

    [Fact]
    public void The_image_changes_the_output_and_a_repeat_is_identical()
    {
        using var pipeline = new ImageVariationPipeline(_flux, _redux);
        using var first = ReduxTestData.Pattern(40, 40, 1);
        using var second = ReduxTestData.Pattern(40, 40, 2);
        using var a = pipeline.Generate(new ImageVariationRequest { Image = first, Width = 32, Height = 32, Steps = 1, Seed = 7 });
        using var b = pipeline.Generate(new ImageVariationRequest { Image = second, Width = 32, Height = 32, Steps = 1, Seed = 7 });
        using var again = pipeline.Generate(new ImageVariationRequest { Image = first, Width = 32, Height = 32, Steps = 1, Seed = 7 });
        Assert.False(a.Images[0].Pixels.SequenceEqual(b.Images[0].Pixels));
        Assert.True(a.Images[0].Pixels.SequenceEqual(again.Images[0].Pixels));
    }

    [Fact]
    public void Finds_comfyui_single_files_by_their_tensors_and_names_what_is_missing()
    {
        string flat = Path.Combine(_folder, "flat");
        Directory.CreateDirectory(flat);
        File.Copy(Path.Combine(_folder, "redux", "image_encoder", "model.safetensors"), Path.Combine(flat, "b.safetensors"));
        var error = Assert.Throws<CheckpointException>(() => ReduxModel.Discover(flat));
        Assert.Contains("no Redux embedder", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no SigLIP", error.Message, StringComparison.Ordinal);

        File.Copy(Path.Combine(_folder, "redux", "image_embedder", "diffusion_pytorch_model.safetensors"), Path.Combine(flat, "a.safetensors"));
        var (tower, embedder) = ReduxModel.Discover(flat);
        Assert.Equal(Path.Combine(flat, "b.safetensors"), tower);
        Assert.Equal(Path.Combine(flat, "a.safetensors"), embedder);
    }

    public void Dispose()
    {
        _flux.Dispose();
        _redux.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
