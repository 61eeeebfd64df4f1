using FluxServe.Server.Catalog;

namespace FluxServe.Server.Tests;

/// <summary>The parameter tables of API.md and the aspect-ratio sizes.</summary>
public sealed class CatalogTests
{
    // Computed independently (a Python brute force over multiples of 64 within 10 % of 2^20 pixels, closest log-ratio).
    [Theory]
    [InlineData("1:1", 1024, 1024)]
    [InlineData("16:9", 1344, 768)]
    [InlineData("21:9", 1600, 704)]
    [InlineData("2:3", 832, 1280)]
    [InlineData("3:2", 1280, 832)]
    [InlineData("4:5", 896, 1152)]
    [InlineData("5:4", 1152, 896)]
    [InlineData("3:4", 896, 1216)]
    [InlineData("4:3", 1216, 896)]
    [InlineData("9:16", 768, 1344)]
    [InlineData("9:21", 704, 1600)]
    [InlineData("5:8", 832, 1344)]
    [InlineData("8:5", 1344, 832)]
    [InlineData("9:19", 704, 1472)]
    [InlineData("19:9", 1472, 704)]
    public void Aspect_ratio_gives_about_one_megapixel_in_multiples_of_64(string ratio, int width, int height)
    {
        Assert.Equal((width, height), AspectRatios.Resolve(ratio));
        Assert.Equal(0, width % 64);
        Assert.Equal(0, height % 64);
        Assert.InRange(width * (double)height / (1 << 20), 1 / 1.1, 1.1);
    }

    [Fact]
    public void Every_ratio_an_endpoint_accepts_resolves()
    {
        foreach (var endpoint in ModelCatalog.Endpoints.Values)
        {
            foreach (var ratio in endpoint.Parameters.Where(p => p.Name == "aspect_ratio").SelectMany(p => p.Values!))
            {
                Assert.Contains(ratio, AspectRatios.All);
            }
        }
    }

    [Fact]
    public void Samplers_are_the_27_names_of_the_pages()
    {
        Assert.Equal(27, SamplerNames.Samplers.Distinct().Count());
        Assert.Contains("euler_pp", SamplerNames.Samplers);
        Assert.Equal("euler_cfg_pp", SamplerNames.ToComfyName("euler_pp"));
        Assert.Equal("euler_ancestral_cfg_pp", SamplerNames.ToComfyName("euler_ancestral_pp"));
        Assert.Equal("dpmpp_2m", SamplerNames.ToComfyName("dpmpp_2m"));
        foreach (string scheduler in (string[])["normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta"])
        {
            Assert.Contains(scheduler, SamplerNames.Schedulers);
        }
    }

    [Fact]
    public void Flux_schnell_defaults_are_those_of_api_md()
    {
        var values = ParameterReader.Read(ModelCatalog.FluxSchnell.Parameters, System.Text.Json.JsonDocument.Parse("""{"prompt":"p"}""").RootElement, []);
        var job = ModelCatalog.FluxSchnell.ToJob(values, () => throw new InvalidOperationException("flux-schnell has a default seed"));
        Assert.Equal((4, 123456789UL, "euler", "normal", 1, 1024, 1024, 1.0), (job.Steps, job.Seed, job.Sampler, job.Scheduler, job.Samples, job.Width, job.Height, job.Denoise));
    }

    [Fact]
    public void Flux_dev_takes_a_random_seed_and_width_height_override_the_ratio()
    {
        var body = System.Text.Json.JsonDocument.Parse("""{"prompt":"p","aspect_ratio":"16:9","width":512,"height":256}""").RootElement;
        var job = ModelCatalog.FluxDev.ToJob(ParameterReader.Read(ModelCatalog.FluxDev.Parameters, body, []), () => 99);
        Assert.Equal((512, 256, 99UL, 20, "simple", 3.5), (job.Width, job.Height, job.Seed, job.Steps, job.Scheduler, job.Guidance));
        var ratioOnly = System.Text.Json.JsonDocument.Parse("""{"prompt":"p","aspect_ratio":"2:3"}""").RootElement;
        var sized = ModelCatalog.FluxDev.ToJob(ParameterReader.Read(ModelCatalog.FluxDev.Parameters, ratioOnly, []), () => 1);
        Assert.Equal((832, 1280), (sized.Width, sized.Height));
    }

    [Fact]
    public void Same_settings_share_a_batch_key_and_others_do_not()
    {
        JobParameters Job(string json) => ModelCatalog.FluxSchnell.ToJob(
            ParameterReader.Read(ModelCatalog.FluxSchnell.Parameters, System.Text.Json.JsonDocument.Parse(json).RootElement, []), () => 0);
        Assert.Equal(Job("""{"prompt":"a","seed":1}""").BatchKey, Job("""{"prompt":"b","seed":2,"samples":2}""").BatchKey);
        Assert.NotEqual(Job("""{"prompt":"a"}""").BatchKey, Job("""{"prompt":"a","steps":3}""").BatchKey);
        Assert.NotEqual(Job("""{"prompt":"a"}""").BatchKey, Job("""{"prompt":"a","width":512}""").BatchKey);
        Assert.NotEqual(Job("""{"prompt":"a"}""").BatchKey, Job("""{"prompt":"a","sampler_name":"heun"}""").BatchKey);
    }
}
