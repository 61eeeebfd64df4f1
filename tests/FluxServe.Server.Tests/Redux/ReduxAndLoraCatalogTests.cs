using System.Text.Json;
using FluxServe.Server.Catalog;
using FluxServe.Server.Generation;

namespace FluxServe.Server.Tests.Redux;

/// <summary>The parameters of <c>flux-redux-schnell</c> and of the LoRA endpoints as API.md states them, mapped to jobs.</summary>
public sealed class ReduxAndLoraCatalogTests
{
    [Fact]
    public void Redux_defaults_are_the_pages()
    {
        var job = Redux("""{"redux_image":"x"}""", new InputImage("f", 640, 480));
        Assert.Equal((1024, 1024), (job.Width, job.Height));
        Assert.Equal(4, job.Steps);
        Assert.Equal(1, job.Samples);
        Assert.Equal(ImageFormat.Jpeg, job.OutputFormat);
        Assert.Equal(80, job.OutputQuality);
        Assert.Equal(777UL, job.Seed); // random when absent
        Assert.False(job.DisableSafetyChecker);
        Assert.Equal("f", job.InputImage);
        Assert.Null(job.LoraId);
    }

    [Theory]
    [InlineData("""{"redux_image":"x","megapixels":"1","aspect_ratio":"16:9"}""", 3000, 2000, "16:9", 1.0)]
    [InlineData("""{"redux_image":"x","megapixels":1,"aspect_ratio":"3:4"}""", 3000, 2000, "3:4", 1.0)]
    [InlineData("""{"redux_image":"x","megapixels":"0.25"}""", 3000, 2000, "1:1", 0.5)]
    [InlineData("""{"redux_image":"x","megapixels":0.25,"aspect_ratio":"21:9"}""", 3000, 2000, "21:9", 0.5)]
    public void Megapixels_and_aspect_ratio_give_the_size(string body, int inputWidth, int inputHeight, string ratio, double sideScale)
    {
        var job = Redux(body, new InputImage("f", inputWidth, inputHeight));
        var (w, h) = AspectRatios.Resolve(ratio);
        Assert.Equal((Round16(w * sideScale), Round16(h * sideScale)), (job.Width, job.Height));
        Assert.Equal(0, job.Width % 16);
        Assert.Equal(0, job.Height % 16);
        double megapixels = job.Width * (double)job.Height / (1 << 20);
        Assert.InRange(megapixels, sideScale * sideScale * 0.85, sideScale * sideScale * 1.15);
    }

    [Theory]
    [InlineData(3000, 2000, 1440, 960)]     // scaled down to fit 1440x1440
    [InlineData(1000, 3000, 480, 1440)]
    [InlineData(500, 333, 496, 336)]        // kept, each side to the nearest multiple of 16
    [InlineData(1440, 1440, 1440, 1440)]
    public void Match_input_keeps_the_input_size_within_1440(int inputWidth, int inputHeight, int width, int height)
    {
        var job = Redux("""{"redux_image":"x","megapixels":"match_input","aspect_ratio":"16:9"}""", new InputImage("f", inputWidth, inputHeight));
        Assert.Equal((width, height), (job.Width, job.Height));
    }

    [Fact]
    public void Redux_outputs_steps_format_and_safety_flag_map_to_the_job()
    {
        var job = Redux("""{"redux_image":"x","num_outputs":3,"num_inference_steps":2,"output_format":"webp","output_quality":55,"seed":98566,"disable_safety_checker":true}""",
            new InputImage("f", 64, 64));
        Assert.Equal(3, job.Samples);
        Assert.Equal(2, job.Steps);
        Assert.Equal(ImageFormat.WebP, job.OutputFormat);
        Assert.Equal(55, job.OutputQuality);
        Assert.Equal(98566UL, job.Seed);
        Assert.True(job.DisableSafetyChecker);
    }

    [Theory]
    [InlineData("""{}""", "redux_image")]
    [InlineData("""{"redux_image":"x","num_inference_steps":5}""", "num_inference_steps")]
    [InlineData("""{"redux_image":"x","num_outputs":0}""", "num_outputs")]
    [InlineData("""{"redux_image":"x","megapixels":"2"}""", "megapixels")]
    [InlineData("""{"redux_image":"x","megapixels":0.5}""", "megapixels")]
    [InlineData("""{"redux_image":"x","output_format":"gif"}""", "output_format")]
    [InlineData("""{"redux_image":"x","output_quality":101}""", "output_quality")]
    [InlineData("""{"redux_image":"x","aspect_ratio":"5:8"}""", "aspect_ratio")]
    public void Redux_rules_name_the_field(string body, string field)
    {
        var errors = new List<FieldError>();
        ParameterReader.Read(ModelCatalog.FluxReduxSchnell.Parameters, JsonDocument.Parse(body).RootElement, errors);
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void Lora_endpoint_defaults_are_the_pages()
    {
        var endpoint = ModelCatalog.ForLora("40174048-1b49-48f3-ad7e-8384098f22d2-mybmwlora", "40174048-1b49-48f3-ad7e-8384098f22d2", "mybmwlora");
        Assert.Equal("flux-dev", endpoint.BaseModel);
        Assert.True(endpoint.AnswersJson);
        Assert.Contains("mybmwlora", endpoint.Summary, StringComparison.Ordinal);
        var values = ParameterReader.Read(endpoint.Parameters, JsonDocument.Parse("""{"prompt":"mybmwlora car"}""").RootElement, []);
        var job = endpoint.ToJob(values, () => throw new InvalidOperationException("the LoRA endpoints have a default seed"));
        Assert.Equal(20, job.Steps);
        Assert.Equal(6652105UL, job.Seed);
        Assert.Equal("simple", job.Scheduler);
        Assert.Equal("euler", job.Sampler);
        Assert.Equal(AspectRatios.Resolve("2:3"), (job.Width, job.Height));
        Assert.Equal(1.2, job.LoraStrength);
        Assert.Equal("40174048-1b49-48f3-ad7e-8384098f22d2", job.LoraId);
        Assert.Equal(ModelCatalog.LoraPriceKey, endpoint.PriceKey);
    }

    [Theory]
    [InlineData("""{"prompt":"p","lora_strength":10.5}""", "lora_strength")]
    [InlineData("""{"prompt":"p","lora_strength":-11}""", "lora_strength")]
    [InlineData("""{"prompt":"p","steps":101}""", "steps")]
    [InlineData("""{"prompt":"p","aspect_ratio":"4:5"}""", "aspect_ratio")]
    [InlineData("""{"lora_strength":1}""", "prompt")]
    public void Lora_rules_name_the_field(string body, string field)
    {
        var errors = new List<FieldError>();
        ParameterReader.Read(ModelCatalog.LoraParameters, JsonDocument.Parse(body).RootElement, errors);
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void Lora_jobs_with_other_strengths_never_share_a_batch()
    {
        var endpoint = ModelCatalog.ForLora("40174048-1b49-48f3-ad7e-8384098f22d2-a", "40174048-1b49-48f3-ad7e-8384098f22d2", null);
        var a = endpoint.ToJob(ParameterReader.Read(endpoint.Parameters, JsonDocument.Parse("""{"prompt":"p","lora_strength":1}""").RootElement, []), () => 0);
        var b = endpoint.ToJob(ParameterReader.Read(endpoint.Parameters, JsonDocument.Parse("""{"prompt":"p","lora_strength":0.5}""").RootElement, []), () => 0);
        var plain = ModelCatalog.FluxDev.ToJob(ParameterReader.Read(ModelCatalog.FluxDev.Parameters, JsonDocument.Parse("""{"prompt":"p","aspect_ratio":"2:3"}""").RootElement, []), () => 0);
        Assert.NotEqual(a.BatchKey, b.BatchKey);
        Assert.NotEqual(a.BatchKey, plain.BatchKey);
    }

    private static JobParameters Redux(string body, InputImage input)
    {
        var errors = new List<FieldError>();
        var values = ParameterReader.Read(ModelCatalog.FluxReduxSchnell.Parameters, JsonDocument.Parse(body).RootElement, errors);
        Assert.Empty(errors);
        return ModelCatalog.FluxReduxSchnell.ToJob(values, () => 777, input);
    }

    private static int Round16(double side) => (int)Math.Round(side / 16, MidpointRounding.AwayFromZero) * 16;
}
