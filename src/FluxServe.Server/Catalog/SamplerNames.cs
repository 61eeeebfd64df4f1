namespace FluxServe.Server.Catalog;

/// <summary>The sampler and scheduler names the API accepts (ComfyUI KSampler, spec/sampling.md §4 and §6).</summary>
public static class SamplerNames
{
    /// <summary>The 27 sampler names of the hosted pages (their <c>_pp</c> names are ComfyUI's <c>_cfg_pp</c>).</summary>
    public static readonly IReadOnlyList<string> Samplers =
    [
        "euler", "euler_pp", "euler_ancestral", "euler_ancestral_pp", "heun", "heunpp2", "dpm_2", "dpm_2_ancestral",
        "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m",
        "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v",
        "deis", "ddim", "uni_pc", "uni_pc_bh2",
    ];

    /// <summary>ComfyUI's own spellings of the <c>_pp</c> samplers, accepted too.</summary>
    public static readonly IReadOnlyDictionary<string, string> SamplerAliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["euler_cfg_pp"] = "euler_pp",
        ["euler_ancestral_cfg_pp"] = "euler_ancestral_pp",
    };

    /// <summary>Schedulers: the pages' seven plus ComfyUI's later linear_quadratic and kl_optimal.</summary>
    public static readonly IReadOnlyList<string> Schedulers =
    [
        "normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta", "linear_quadratic", "kl_optimal",
    ];

    /// <summary>The ComfyUI sampler name for an API sampler name (what a generator receives).</summary>
    public static string ToComfyName(string apiName) => apiName switch
    {
        "euler_pp" => "euler_cfg_pp",
        "euler_ancestral_pp" => "euler_ancestral_cfg_pp",
        _ => apiName,
    };
}
