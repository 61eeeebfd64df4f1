namespace FluxServe.Testing;

/// <summary>Locates the golden fixtures: <c>$FLUXSERVE_FIXTURES</c>, else <c>../shared/fixtures</c> beside the repository.</summary>
public static class FixturePaths
{
    /// <summary>The fixtures folder.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither the variable nor the default names an existing folder.</exception>
    public static string Root
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("FLUXSERVE_FIXTURES");
            string path = !string.IsNullOrEmpty(env) ? env : Path.Combine(RepositoryRoot, "..", "shared", "fixtures");
            return Directory.Exists(path)
                ? Path.GetFullPath(path)
                : throw new DirectoryNotFoundException($"Fixture folder '{path}' does not exist; set FLUXSERVE_FIXTURES.");
        }
    }

    /// <summary>The repository root: the first ancestor of the test assembly's folder that holds FluxServe.slnx.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FluxServe.slnx")))
                {
                    return dir.FullName;
                }
            }

            // Built outside the tree (--artifacts-path): the root recorded at build time.
            string? recorded = typeof(FixturePaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "FluxServeRepositoryRoot")?.Value;
            if (recorded is not null && File.Exists(Path.Combine(recorded, "FluxServe.slnx")))
            {
                return recorded;
            }

            throw new DirectoryNotFoundException("Cannot find the repository root (FluxServe.slnx) above the test assembly.");
        }
    }

    /// <summary>A file or folder inside a fixture folder.</summary>
    public static string Of(string fixture, string relative = "") => Path.GetFullPath(Path.Combine(Root, fixture, relative));
}
