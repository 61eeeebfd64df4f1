using System.Reflection;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// Finds the fixtures folder: <c>$FLUXSERVE_FIXTURES</c> when set, else <c>../shared/fixtures</c> relative to the
/// repository root (the folder holding <c>FluxServe.slnx</c>, found by walking up from the test assembly, or from
/// the source directory recorded at build time when the assembly was built outside the repository).
/// </summary>
public static class FixturesRoot
{
    /// <summary>The environment variable that overrides the location.</summary>
    public const string EnvironmentVariable = "FLUXSERVE_FIXTURES";

    private const string SolutionFile = "FluxServe.slnx";

    private static readonly Lazy<string> s_path = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The full path of the fixtures folder.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist; the message says where it looked.</exception>
    public static string Path => s_path.Value;

    /// <summary>Resolves the folder without caching (see <see cref="Path"/>).</summary>
    public static string Locate()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        string path;
        string how;
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            path = System.IO.Path.GetFullPath(fromEnvironment);
            how = $"${EnvironmentVariable}";
        }
        else
        {
            string repositoryRoot = FindRepositoryRoot();
            path = System.IO.Path.GetFullPath(System.IO.Path.Combine(repositoryRoot, "..", "shared", "fixtures"));
            how = $"../shared/fixtures relative to the repository root {repositoryRoot} (${EnvironmentVariable} is not set)";
        }

        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException(
                $"The fixtures folder '{path}' does not exist (from {how}). Point ${EnvironmentVariable} at the folder " +
                "that holds the fixture folders (torch-randn/, flux-tiny-schnell/, ...).");
        }

        return path;
    }

    /// <summary>The folder containing <c>FluxServe.slnx</c> above the test assembly (or its source directory).</summary>
    /// <exception cref="DirectoryNotFoundException">None was found.</exception>
    public static string FindRepositoryRoot()
    {
        string assemblyDirectory = AppContext.BaseDirectory;
        string? root = FindUpwards(assemblyDirectory);
        if (root is not null)
        {
            return root;
        }

        string? sourceDirectory = typeof(FixturesRoot).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "FluxServe.SourceDirectory")?.Value;
        root = sourceDirectory is null ? null : FindUpwards(sourceDirectory);
        return root ?? throw new DirectoryNotFoundException(
            $"No {SolutionFile} found above the test assembly ({assemblyDirectory}) or its source directory " +
            $"({sourceDirectory ?? "unknown"}); set ${EnvironmentVariable} to the fixtures folder.");
    }

    private static string? FindUpwards(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
