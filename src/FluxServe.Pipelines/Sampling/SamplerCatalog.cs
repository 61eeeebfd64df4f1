using System.Collections.Frozen;
using FluxServe.Pipelines.Sampling.Samplers;

namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// The samplers by name: ComfyUI's 44 <c>SAMPLER_NAMES</c> (its <c>KSAMPLER_NAMES</c> then ddim, uni_pc, uni_pc_bh2),
/// which include the hosted API's 27, plus the API's aliases <c>euler_pp</c> and <c>euler_ancestral_pp</c> for the
/// cfg++ samplers (spec/sampling.md §6). Unknown names raise <see cref="UnknownSamplingNameException"/>.
/// </summary>
public static class SamplerCatalog
{
    private static readonly LatentSampler[] s_samplers =
    [
        new EulerSampler("euler"),
        new EulerCfgPpSampler("euler_cfg_pp", eta: 0f),
        new EulerAncestralSampler(),
        new EulerCfgPpSampler("euler_ancestral_cfg_pp", eta: 1f),
        new HeunSampler(),
        new HeunPp2Sampler(),
        new Seeds2Sampler("exp_heun_2_x0", r: 1f, phi2: true, eta: 0f, noiseScale: 0f),
        new Seeds2Sampler("exp_heun_2_x0_sde", r: 1f, phi2: true, eta: 1f, noiseScale: 1f),
        new Dpm2Sampler(),
        new Dpm2AncestralSampler(),
        new LmsSampler(),
        new DpmFastSampler(),
        new DpmAdaptiveSampler(),
        new Dpmpp2sAncestralSampler(),
        new Dpmpp2sAncestralCfgPpSampler(),
        new DpmppSdeSampler("dpmpp_sde"),
        new DpmppSdeSampler("dpmpp_sde_gpu"),
        new Dpmpp2mSampler(),
        new Dpmpp2mCfgPpSampler(),
        new Dpmpp2mSdeSampler("dpmpp_2m_sde", heun: false),
        new Dpmpp2mSdeSampler("dpmpp_2m_sde_gpu", heun: false),
        new Dpmpp2mSdeSampler("dpmpp_2m_sde_heun", heun: true),
        new Dpmpp2mSdeSampler("dpmpp_2m_sde_heun_gpu", heun: true),
        new Dpmpp3mSdeSampler("dpmpp_3m_sde"),
        new Dpmpp3mSdeSampler("dpmpp_3m_sde_gpu"),
        new DdpmSampler(),
        new LcmSampler(),
        new IpndmSampler(variableStep: false),
        new IpndmSampler(variableStep: true),
        new DeisSampler(),
        new ResMultistepSampler("res_multistep", eta: 0f, cfgPp: false),
        new ResMultistepSampler("res_multistep_cfg_pp", eta: 0f, cfgPp: true),
        new ResMultistepSampler("res_multistep_ancestral", eta: 1f, cfgPp: false),
        new ResMultistepSampler("res_multistep_ancestral_cfg_pp", eta: 1f, cfgPp: true),
        new GradientEstimationSampler("gradient_estimation", cfgPp: false),
        new GradientEstimationSampler("gradient_estimation_cfg_pp", cfgPp: true),
        new ErSdeSampler(),
        new Seeds2Sampler("seeds_2", r: 0.5f, phi2: false, eta: 1f, noiseScale: 1f),
        new Seeds3Sampler(),
        new SaSolverSampler(pece: false),
        new SaSolverSampler(pece: true),
        new EulerSampler("ddim"),
        new UniPcSampler(bh2: false),
        new UniPcSampler(bh2: true),
    ];

    private static readonly string[] s_names = Array.ConvertAll(s_samplers, s => s.Name);

    private static readonly string[] s_apiNames =
    [
        "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "dpm_2", "dpm_2_ancestral", "lms",
        "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
        "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis", "ddim", "uni_pc", "uni_pc_bh2",
    ];

    private static readonly FrozenDictionary<string, string> s_aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["euler_pp"] = "euler_cfg_pp",
        ["euler_ancestral_pp"] = "euler_ancestral_cfg_pp",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, LatentSampler> s_byName = BuildIndex();

    private static readonly string[] s_acceptedNames = [.. s_names, .. s_aliases.Keys.Order(StringComparer.Ordinal)];

    /// <summary>ComfyUI's <c>SAMPLER_NAMES</c> (44), in its order.</summary>
    public static IReadOnlyList<string> Names => s_names;

    /// <summary>The hosted API's 27 names (ComfyUI of Aug–Sep 2024); all are in <see cref="Names"/>.</summary>
    public static IReadOnlyList<string> ApiNames => s_apiNames;

    /// <summary>The aliases: API name → ComfyUI name.</summary>
    public static IReadOnlyDictionary<string, string> Aliases => s_aliases;

    /// <summary>Every accepted name: <see cref="Names"/> then the aliases.</summary>
    public static IReadOnlyList<string> AcceptedNames => s_acceptedNames;

    /// <summary>The sampler called <paramref name="name"/> (or an alias of it).</summary>
    /// <exception cref="UnknownSamplingNameException">The name is neither a sampler nor an alias.</exception>
    public static LatentSampler Get(string? name) =>
        name is not null && s_byName.TryGetValue(name, out LatentSampler? sampler)
            ? sampler
            : throw new UnknownSamplingNameException("sampler", name, s_acceptedNames);

    /// <summary>True when <paramref name="name"/> is a sampler name or alias.</summary>
    public static bool Contains(string? name) => name is not null && s_byName.ContainsKey(name);

    private static FrozenDictionary<string, LatentSampler> BuildIndex()
    {
        var index = new Dictionary<string, LatentSampler>(StringComparer.Ordinal);
        foreach (LatentSampler sampler in s_samplers)
        {
            index.Add(sampler.Name, sampler);
        }

        foreach ((string alias, string target) in s_aliases)
        {
            index.Add(alias, index[target]);
        }

        return index.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
