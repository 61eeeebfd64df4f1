using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary>Sampler and scheduler names: ComfyUI's lists, the API aliases, and the error for unknown names.</summary>
public sealed class SamplerCatalogTests
{
    private static readonly string[] s_comfyUiSamplerNames =
    [
        "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "exp_heun_2_x0", "exp_heun_2_x0_sde",
        "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde",
        "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu",
        "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp",
        "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde",
        "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2",
    ];

    [Fact]
    public void Names_are_comfyui_sampler_names_in_order()
    {
        Assert.Equal(s_comfyUiSamplerNames, SamplerCatalog.Names);
        foreach (string name in SamplerCatalog.Names)
        {
            Assert.Equal(name, SamplerCatalog.Get(name).Name);
        }
    }

    [Fact]
    public void Api_names_are_all_known_and_27()
    {
        Assert.Equal(27, SamplerCatalog.ApiNames.Count);
        Assert.All(SamplerCatalog.ApiNames, n => Assert.True(SamplerCatalog.Contains(n), n));
    }

    [Fact]
    public void Pp_aliases_resolve_to_the_cfg_pp_samplers()
    {
        Assert.Same(SamplerCatalog.Get("euler_cfg_pp"), SamplerCatalog.Get("euler_pp"));
        Assert.Same(SamplerCatalog.Get("euler_ancestral_cfg_pp"), SamplerCatalog.Get("euler_ancestral_pp"));
        Assert.True(SamplerCatalog.Get("euler_pp").NeedsUnconditional);
    }

    [Fact]
    public void Discard_penultimate_samplers_are_the_four_of_comfyui()
    {
        string[] discard = [.. SamplerCatalog.Names.Where(n => SamplerCatalog.Get(n).DiscardsPenultimateSigma)];
        Assert.Equal(["dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"], discard);
    }

    [Fact]
    public void Unknown_sampler_lists_the_valid_names()
    {
        var ex = Assert.Throws<UnknownSamplingNameException>(() => SamplerCatalog.Get("euler_a"));
        Assert.Contains("Unknown sampler 'euler_a'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dpmpp_2m", ex.Message, StringComparison.Ordinal);
        Assert.Contains("euler_pp", ex.Message, StringComparison.Ordinal);
        Assert.Equal("sampler", ex.Kind);
        Assert.Throws<UnknownSamplingNameException>(() => SamplerCatalog.Get(null));
    }

    [Fact]
    public void Schedulers_parse_in_comfyui_order_and_unknown_ones_are_rejected()
    {
        Assert.Equal(
            ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic", "kl_optimal"],
            SigmaSchedules.Names);
        foreach (string name in SigmaSchedules.Names)
        {
            Assert.Equal(name, SigmaSchedules.NameOf(SigmaSchedules.Parse(name)));
        }

        var ex = Assert.Throws<UnknownSamplingNameException>(() => SigmaSchedules.Parse("Karras"));
        Assert.Contains("karras", ex.Message, StringComparison.Ordinal);
    }
}
