using System.Text.RegularExpressions;
using FluxServe.Engine.Cuda;

namespace FluxServe.Engine.Tests.Cuda;

/// <summary>
/// Runs everywhere: every kernel the backend may launch is defined in the embedded CUDA sources, under the module
/// the backend looks in. (Compiling them needs NVRTC: scripts/gpu/check-kernels.sh on the GPU machine, or
/// scripts/gpu/check-kernels-clang.sh here.)
/// </summary>
public sealed partial class CudaKernelCatalogTests
{
    [Fact]
    public void EveryModuleAndHeaderIsEmbedded()
    {
        Assert.Equal(["attention", "conv", "convert", "elementwise", "layout", "norm", "random", "rope"], CudaKernelLibrary.ModuleNames);
        Assert.Contains("common.cuh", CudaKernelLibrary.HeaderNames);
    }

    [Fact]
    public void EveryKernelTheBackendLaunchesIsDefinedInItsModule()
    {
        var defined = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string module in CudaKernelLibrary.ModuleNames)
        {
            defined[module] = Definitions(CudaKernelLibrary.Source(module + ".cu"));
        }

        var missing = new List<string>();
        foreach (var (module, kernel) in CudaKernels.All())
        {
            if (!defined.TryGetValue(module, out var names) || !names.Contains(kernel))
            {
                missing.Add($"{module}.cu: {kernel}");
            }
        }

        Assert.True(missing.Count == 0, "Kernels launched but not defined: " + string.Join(", ", missing));
    }

    [Fact]
    public void KernelNamesAreUniqueAcrossModules()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string module in CudaKernelLibrary.ModuleNames)
        {
            foreach (string kernel in Definitions(CudaKernelLibrary.Source(module + ".cu")))
            {
                Assert.True(seen.TryAdd(kernel, module), $"{kernel} is defined in both {seen.GetValueOrDefault(kernel)}.cu and {module}.cu");
            }
        }
    }

    [Fact]
    public void SourcesIncludeNoSystemHeaders()
    {
        // NVRTC compiles them with only the embedded headers: a system include would fail at run time on the GPU.
        foreach (string module in CudaKernelLibrary.ModuleNames)
        {
            foreach (Match include in IncludePattern().Matches(CudaKernelLibrary.Source(module + ".cu")))
            {
                Assert.Contains(include.Groups[1].Value, CudaKernelLibrary.HeaderNames);
            }
        }
    }

    // Kernels are `extern "C" __global__ void name(` or an FX_* instantiation macro whose first argument is the name;
    // macro definitions themselves (which contain `void name(` with `name` a parameter) are skipped.
    private static HashSet<string> Definitions(string text)
    {
        string source = WithoutMacroDefinitions(text);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in ExternPattern().Matches(source))
        {
            names.Add(m.Groups[1].Value);
        }

        foreach (Match m in MacroPattern().Matches(source))
        {
            names.Add(m.Groups[1].Value);
        }

        return names;
    }

    private static string WithoutMacroDefinitions(string source)
    {
        var kept = new System.Text.StringBuilder();
        bool inDefinition = false;
        foreach (string line in source.Split('\n'))
        {
            if (line.TrimStart().StartsWith("#define", StringComparison.Ordinal))
            {
                inDefinition = true;
            }

            if (!inDefinition)
            {
                kept.Append(line).Append('\n');
            }

            if (inDefinition && !line.TrimEnd().EndsWith('\\'))
            {
                inDefinition = false;
            }
        }

        return kept.ToString();
    }

    [GeneratedRegex(@"extern ""C"" __global__ (?:__launch_bounds__\([^)]*\) )?void ([a-z][a-z0-9_]*)\(")]
    private static partial Regex ExternPattern();

    [GeneratedRegex(@"^FX_[A-Z0-9_]+\(([a-z][a-z0-9_]*),", RegexOptions.Multiline)]
    private static partial Regex MacroPattern();

    [GeneratedRegex(@"#include\s+[""<]([^"">]+)["">]")]
    private static partial Regex IncludePattern();
}
