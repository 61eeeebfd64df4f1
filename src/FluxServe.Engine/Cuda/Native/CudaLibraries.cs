using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace FluxServe.Engine.Cuda.Native;

/// <summary>
/// Finds and loads the three native libraries the CUDA backend uses (the driver, NVRTC and cuBLASLt) and resolves the
/// logical names of their <c>[LibraryImport]</c> declarations to them.
/// </summary>
/// <remarks>
/// <para>Search order for each library: every soname it may have, newest first, through the system loader (which
/// honours <c>LD_LIBRARY_PATH</c> and the ldconfig cache); then the same names in <c>$FLUXSERVE_CUDA_LIB_DIRS</c>,
/// <c>$CUDA_HOME</c>/<c>$CUDA_PATH</c>, <c>LD_LIBRARY_PATH</c>, <c>/usr/local/cuda*/lib64</c>, the driver's usual
/// folders, and the NVIDIA wheels PyTorch installs (<c>site-packages/nvidia/*/lib</c>, which is where a machine with
/// only PyTorch has its cuBLASLt and NVRTC). A library whose CUDA major version is newer than the driver's is passed
/// over, since its code would not load.</para>
/// <para>The resolver is the Engine assembly's one <see cref="NativeLibrary.SetDllImportResolver"/> callback; it
/// answers only the logical names below and leaves every other name to the default probing, so other native imports
/// of the assembly keep working.</para>
/// </remarks>
internal static class CudaLibraries
{
    /// <summary>Logical name of the driver API library in <c>[LibraryImport]</c>.</summary>
    public const string DriverName = "fluxserve-cuda-driver";

    /// <summary>Logical name of NVRTC.</summary>
    public const string NvrtcName = "fluxserve-nvrtc";

    /// <summary>Logical name of cuBLASLt.</summary>
    public const string CublasLtName = "fluxserve-cublaslt";

    private static readonly Lock s_gate = new();
    private static readonly Dictionary<string, LoadedLibrary> s_loaded = new(StringComparer.Ordinal);
    private static bool s_resolverInstalled;
    private static string? s_resolverProblem;
    private static int s_driverVersion;

    /// <summary>The result of looking for one library.</summary>
    /// <param name="Handle">The loaded library, or 0.</param>
    /// <param name="Path">What was loaded (a soname or a full path), or null.</param>
    /// <param name="Log">One line per candidate tried.</param>
    internal sealed record LoadedLibrary(nint Handle, string? Path, IReadOnlyList<string> Log);

    /// <summary>The driver's CUDA version (e.g. 13000 for 13.0), once known; 0 before.</summary>
    public static int DriverVersion => Volatile.Read(ref s_driverVersion);

    /// <summary>Installs the resolver (once); false with a reason if another resolver owns the assembly.</summary>
    public static bool EnsureResolver(out string? problem)
    {
        lock (s_gate)
        {
            if (!s_resolverInstalled && s_resolverProblem is null)
            {
                try
                {
                    NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
                    s_resolverInstalled = true;
                }
                catch (InvalidOperationException ex)
                {
                    s_resolverProblem = "another DllImport resolver is already registered for FluxServe.Engine: " + ex.Message;
                }
            }

            problem = s_resolverProblem;
            return s_resolverInstalled;
        }
    }

    /// <summary>Loads (once) the library with logical name <paramref name="logicalName"/>.</summary>
    public static LoadedLibrary Load(string logicalName)
    {
        lock (s_gate)
        {
            if (s_loaded.TryGetValue(logicalName, out var loaded))
            {
                return loaded;
            }

            loaded = logicalName switch
            {
                DriverName => Search(["libcuda.so.1", "libcuda.so"], DriverFolders(), versionCheck: null),
                NvrtcName => Search(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"], ToolkitFolders(), NvrtcTooNew),
                CublasLtName => Search(["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"], ToolkitFolders(), CublasLtTooNew),
                _ => throw new ArgumentOutOfRangeException(nameof(logicalName), logicalName, "Not a CUDA library name."),
            };
            s_loaded[logicalName] = loaded;
            return loaded;
        }
    }

    /// <summary>Records the driver version so that newer toolkit libraries are passed over.</summary>
    public static void SetDriverVersion(int version) => Volatile.Write(ref s_driverVersion, version);

    /// <summary>A report of where each library was looked for and what was found (printed by the GPU run script).</summary>
    public static string Describe()
    {
        var text = new StringBuilder();
        foreach (string name in (ReadOnlySpan<string>)[DriverName, NvrtcName, CublasLtName])
        {
            var lib = Load(name);
            text.Append(name).Append(": ").AppendLine(lib.Path ?? "NOT FOUND");
            foreach (string line in lib.Log)
            {
                text.Append("    ").AppendLine(line);
            }
        }

        return text.ToString();
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName is DriverName or NvrtcName or CublasLtName ? Load(libraryName).Handle : 0;

    private static LoadedLibrary Search(string[] sonames, List<string> folders, Func<nint, string?>? versionCheck)
    {
        var log = new List<string>();
        foreach (string soname in sonames)
        {
            if (TryLoad(soname, log, versionCheck, out nint handle))
            {
                return new LoadedLibrary(handle, soname, log);
            }

            foreach (string folder in folders)
            {
                string path = System.IO.Path.Combine(folder, soname);
                if (!File.Exists(path))
                {
                    continue;
                }

                PreloadCompanions(folder, soname, log);
                if (TryLoad(path, log, versionCheck, out handle))
                {
                    return new LoadedLibrary(handle, path, log);
                }
            }
        }

        log.Add("searched folders: " + (folders.Count == 0 ? "(none exist)" : string.Join(", ", folders)));
        return new LoadedLibrary(0, null, log);
    }

    private static bool TryLoad(string nameOrPath, List<string> log, Func<nint, string?>? versionCheck, out nint handle)
    {
        try
        {
            handle = NativeLibrary.Load(nameOrPath);
        }
        catch (DllNotFoundException ex)
        {
            // The loader's message for a file that exists but cannot load (wrong architecture, missing dependency)
            // is worth keeping; "cannot open shared object file" for a bare soname is not.
            if (nameOrPath.Contains('/', StringComparison.Ordinal))
            {
                log.Add($"{nameOrPath}: {FirstLine(ex.Message)}");
            }

            handle = 0;
            return false;
        }
        catch (BadImageFormatException ex)
        {
            log.Add($"{nameOrPath}: {FirstLine(ex.Message)}");
            handle = 0;
            return false;
        }

        string? tooNew = versionCheck?.Invoke(handle);
        if (tooNew is not null)
        {
            log.Add($"{nameOrPath}: loaded but passed over: {tooNew}");
            NativeLibrary.Free(handle);
            handle = 0;
            return false;
        }

        log.Add($"{nameOrPath}: loaded");
        return true;
    }

    // NVRTC dlopens its builtins library by soname; when it lives in a folder the loader does not search (a
    // PyTorch wheel), loading it first by full path lets that dlopen find it among the loaded objects.
    private static void PreloadCompanions(string folder, string soname, List<string> log)
    {
        if (!soname.StartsWith("libnvrtc", StringComparison.Ordinal))
        {
            return;
        }

        foreach (string builtins in Directory.EnumerateFiles(folder, "libnvrtc-builtins.so*"))
        {
            if (NativeLibrary.TryLoad(builtins, out _))
            {
                log.Add($"{builtins}: preloaded");
            }
        }
    }

    private static unsafe string? NvrtcTooNew(nint handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "nvrtcVersion", out nint export))
        {
            return "no nvrtcVersion export";
        }

        int major, minor;
        int status = ((delegate* unmanaged<int*, int*, int>)export)(&major, &minor);
        if (status != 0)
        {
            return $"nvrtcVersion failed ({status})";
        }

        return TooNew(major, minor, "NVRTC");
    }

    private static unsafe string? CublasLtTooNew(nint handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "cublasLtGetCudartVersion", out nint export))
        {
            return "no cublasLtGetCudartVersion export";
        }

        long cudart = (long)((delegate* unmanaged<nuint>)export)();
        return TooNew((int)(cudart / 1000), (int)(cudart % 1000 / 10), "cuBLASLt");
    }

    private static string? TooNew(int major, int minor, string what)
    {
        int driver = DriverVersion;
        return driver > 0 && major > driver / 1000
            ? $"{what} {major}.{minor} is newer than the driver's CUDA {driver / 1000}.{driver % 1000 / 10}"
            : null;
    }

    private static List<string> DriverFolders()
    {
        var folders = new List<string>();
        AddEnvironmentFolders(folders, "FLUXSERVE_CUDA_LIB_DIRS");
        AddEnvironmentFolders(folders, "LD_LIBRARY_PATH");
        foreach (string folder in (ReadOnlySpan<string>)["/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib", "/usr/local/cuda/compat"])
        {
            AddFolder(folders, folder);
        }

        return folders;
    }

    private static List<string> ToolkitFolders()
    {
        var folders = new List<string>();
        AddEnvironmentFolders(folders, "FLUXSERVE_CUDA_LIB_DIRS");
        foreach (string variable in (ReadOnlySpan<string>)["CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"])
        {
            string? root = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(root))
            {
                AddFolder(folders, System.IO.Path.Combine(root, "lib64"));
                AddFolder(folders, System.IO.Path.Combine(root, "lib"));
            }
        }

        AddEnvironmentFolders(folders, "LD_LIBRARY_PATH");
        AddFolder(folders, "/usr/local/cuda/lib64");
        foreach (string folder in Glob("/usr/local/cuda-*/lib64").OrderDescending(StringComparer.Ordinal))
        {
            AddFolder(folders, folder);
        }

        foreach (string sitePackages in SitePackages())
        {
            foreach (string folder in Glob(System.IO.Path.Combine(sitePackages, "nvidia/*/lib")))
            {
                AddFolder(folders, folder);
            }

            AddFolder(folders, System.IO.Path.Combine(sitePackages, "torch/lib"));
        }

        AddFolder(folders, "/usr/lib/x86_64-linux-gnu");
        return folders;
    }

    private static List<string> SitePackages()
    {
        var roots = new List<string>();
        foreach (string variable in (ReadOnlySpan<string>)["VIRTUAL_ENV", "CONDA_PREFIX"])
        {
            string? prefix = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(prefix))
            {
                roots.AddRange(Glob(System.IO.Path.Combine(prefix, "lib/python3*/site-packages")));
            }
        }

        string? pythonPath = Environment.GetEnvironmentVariable("PYTHONPATH");
        if (!string.IsNullOrEmpty(pythonPath))
        {
            roots.AddRange(pythonPath.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (string pattern in (ReadOnlySpan<string>)[
            "/opt/*/.venv/lib/python3*/site-packages",
            "/opt/*/lib/python3*/site-packages",
            "/opt/conda/lib/python3*/site-packages",
            "/usr/local/lib/python3*/dist-packages",
            "/usr/local/lib/python3*/site-packages",
            "/usr/lib/python3/dist-packages",
            System.IO.Path.Combine(home, ".local/lib/python3*/site-packages")])
        {
            roots.AddRange(Glob(pattern));
        }

        return roots;
    }

    private static void AddEnvironmentFolders(List<string> folders, string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(value))
        {
            foreach (string folder in value.Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                AddFolder(folders, folder);
            }
        }
    }

    private static void AddFolder(List<string> folders, string folder)
    {
        if (Directory.Exists(folder) && !folders.Contains(folder, StringComparer.Ordinal))
        {
            folders.Add(folder);
        }
    }

    /// <summary>Expands <c>*</c> in any segment of an absolute path (no <c>**</c>); missing folders give nothing.</summary>
    internal static List<string> Glob(string pattern)
    {
        var current = new List<string> { "/" };
        foreach (string segment in pattern.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = new List<string>();
            foreach (string folder in current)
            {
                if (!segment.Contains('*', StringComparison.Ordinal))
                {
                    string path = System.IO.Path.Combine(folder, segment);
                    if (Directory.Exists(path))
                    {
                        next.Add(path);
                    }

                    continue;
                }

                try
                {
                    next.AddRange(Directory.EnumerateDirectories(folder, segment).Order(StringComparer.Ordinal));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // An unreadable folder holds nothing we can load.
                }
            }

            current = next;
        }

        return current;
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
