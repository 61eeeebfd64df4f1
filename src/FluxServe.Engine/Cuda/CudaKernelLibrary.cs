using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FluxServe.Engine.Cuda.Native;

namespace FluxServe.Engine.Cuda;

/// <summary>
/// The embedded CUDA C kernels (<c>Cuda/Kernels/*.cu</c>): each file is one module, compiled by NVRTC for the device's
/// architecture at first use, cached on disk by a hash of its source, headers, options, target and NVRTC version, and
/// loaded with <c>cuModuleLoadData</c>.
/// </summary>
internal sealed unsafe class CudaKernelLibrary : IDisposable
{
    /// <summary>Bumped when the cache layout or the compile options change meaning.</summary>
    private const string CacheFormat = "fluxserve-cuda-kernels-1";

    private readonly CudaDeviceRuntime _runtime;
    private readonly string _target;
    private readonly bool _cubin;
    private readonly string? _cacheDirectory;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CudaModuleHandle> _modules = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Module, string Kernel), nint> _functions = new();

    public CudaKernelLibrary(CudaDeviceRuntime runtime, string? architectureOverride, string? cacheDirectory)
    {
        _runtime = runtime;
        (_target, _cubin) = ChooseTarget(runtime.Info.ComputeCapability, architectureOverride);
        _cacheDirectory = cacheDirectory;
    }

    /// <summary>The NVRTC target (<c>sm_90</c>, or <c>compute_XX</c> when NVRTC cannot emit machine code for this device).</summary>
    public string Target => _target;

    /// <summary>The folder compiled modules are cached in (null when no folder could be used).</summary>
    public string? CacheDirectory => _cacheDirectory;

    /// <summary>The embedded module names (file names without <c>.cu</c>).</summary>
    public static IReadOnlyList<string> ModuleNames { get; } = ListModules();

    /// <summary>The function <paramref name="kernel"/> of module <paramref name="module"/>, compiling the module on first use.</summary>
    public nint Function(string module, string kernel)
    {
        if (_functions.TryGetValue((module, kernel), out nint function))
        {
            return function;
        }

        var handle = Module(module);
        byte[] name = Encoding.UTF8.GetBytes(kernel + "\0");
        _runtime.MakeCurrent();
        fixed (byte* p = name)
        {
            int status = CudaDriver.cuModuleGetFunction(out function, handle.DangerousGetHandle(), p);
            if (status != CudaDriver.Success)
            {
                throw new CudaException($"cuModuleGetFunction({module}.cu, {kernel})", status, CudaDriver.Describe(status));
            }
        }

        _functions[(module, kernel)] = function;
        return function;
    }

    /// <summary>Compiles (or loads from the cache) every module now; one report per module, failures included.</summary>
    public IReadOnlyList<CudaModuleReport> CompileAll()
    {
        var reports = new List<CudaModuleReport>();
        foreach (string module in ModuleNames)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var (image, log, fromCache) = Build(module);
                Load(module, image);
                reports.Add(new CudaModuleReport(module, _target, true, fromCache, image.Length, clock.Elapsed, log));
            }
            catch (CudaException ex)
            {
                reports.Add(new CudaModuleReport(module, _target, false, false, 0, clock.Elapsed, ex.Message));
            }
        }

        return reports;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var module in _modules.Values)
            {
                module.Dispose();
            }

            _modules.Clear();
            _functions.Clear();
        }
    }

    /// <summary>The text of an embedded kernel file (<c>name.cu</c> or <c>name.cuh</c>).</summary>
    public static string Source(string fileName)
    {
        using var stream = typeof(CudaKernelLibrary).Assembly.GetManifestResourceStream("cuda/" + fileName)
            ?? throw new InvalidOperationException($"The kernel source '{fileName}' is not embedded in FluxServe.Engine.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The embedded headers (<c>*.cuh</c>) by file name, which every module may include.</summary>
    public static IReadOnlyList<string> HeaderNames { get; } = ListResources(".cuh");

    private CudaModuleHandle Module(string module)
    {
        lock (_gate)
        {
            if (_modules.TryGetValue(module, out var handle))
            {
                return handle;
            }

            var (image, _, _) = Build(module);
            return Load(module, image);
        }
    }

    private CudaModuleHandle Load(string module, byte[] image)
    {
        lock (_gate)
        {
            if (_modules.TryGetValue(module, out var existing))
            {
                return existing;
            }

            _runtime.MakeCurrent();
            nint handle;
            fixed (byte* p = image)
            {
                int status = CudaDriver.cuModuleLoadData(out handle, p);
                if (status != CudaDriver.Success)
                {
                    throw new CudaException($"cuModuleLoadData({module}.cu, {_target})", status, CudaDriver.Describe(status));
                }
            }

            var owned = new CudaModuleHandle(handle, _runtime.ContextPointer);
            _modules[module] = owned;
            return owned;
        }
    }

    private (byte[] Image, string Log, bool FromCache) Build(string module)
    {
        string source = Source(module + ".cu");
        string[] headerNames = [.. HeaderNames];
        string[] headers = [.. headerNames.Select(Source)];
        string[] options = Options();
        string key = CacheKey(source, headerNames, headers, options);
        string? cachePath = _cacheDirectory is null
            ? null
            : Path.Combine(_cacheDirectory, $"{module}-{_target}-{key}.{(_cubin ? "cubin" : "ptx")}");
        if (cachePath is not null && File.Exists(cachePath))
        {
            try
            {
                return (File.ReadAllBytes(cachePath), string.Empty, true);
            }
            catch (IOException)
            {
                // Unreadable cache entry: compile again below.
            }
        }

        var (image, log) = Compile(module, source, headerNames, headers, options);
        if (cachePath is not null)
        {
            TryWriteCache(cachePath, image);
        }

        return (image, log, false);
    }

    private (byte[] Image, string Log) Compile(string module, string source, string[] headerNames, string[] headers, string[] options)
    {
        var pinned = new List<nint>();
        nint program = 0;
        try
        {
            byte* Utf8(string text)
            {
                nint p = Marshal.StringToCoTaskMemUTF8(text);
                pinned.Add(p);
                return (byte*)p;
            }

            byte** headerSources = stackalloc byte*[Math.Max(headers.Length, 1)];
            byte** headerIncludeNames = stackalloc byte*[Math.Max(headers.Length, 1)];
            for (int i = 0; i < headers.Length; i++)
            {
                headerSources[i] = Utf8(headers[i]);
                headerIncludeNames[i] = Utf8(headerNames[i]);
            }

            Nvrtc.Check(
                Nvrtc.nvrtcCreateProgram(out program, Utf8(source), Utf8(module + ".cu"), headers.Length, headerSources, headerIncludeNames),
                $"nvrtcCreateProgram({module}.cu)");
            byte** optionPointers = stackalloc byte*[options.Length];
            for (int i = 0; i < options.Length; i++)
            {
                optionPointers[i] = Utf8(options[i]);
            }

            int compiled = Nvrtc.nvrtcCompileProgram(program, options.Length, optionPointers);
            string log = ProgramLog(program);
            if (compiled != Nvrtc.Success)
            {
                throw new CudaException(
                    $"nvrtcCompileProgram({module}.cu, {_target}) with {string.Join(' ', options)}",
                    compiled,
                    Nvrtc.Describe(compiled) + (log.Length > 0 ? ":\n" + log : string.Empty));
            }

            nuint size;
            byte[] image;
            if (_cubin)
            {
                Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(program, out size), $"nvrtcGetCUBINSize({module}.cu)");
                image = new byte[(int)size];
                fixed (byte* p = image)
                {
                    Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(program, p), $"nvrtcGetCUBIN({module}.cu)");
                }
            }
            else
            {
                Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, out size), $"nvrtcGetPTXSize({module}.cu)");
                image = new byte[(int)size];
                fixed (byte* p = image)
                {
                    Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, p), $"nvrtcGetPTX({module}.cu)");
                }
            }

            return (image, log);
        }
        finally
        {
            if (program != 0)
            {
                _ = Nvrtc.nvrtcDestroyProgram(ref program);
            }

            foreach (nint p in pinned)
            {
                Marshal.ZeroFreeCoTaskMemUTF8(p);
            }
        }
    }

    private string[] Options() =>
    [
        $"--gpu-architecture={_target}",
        "--std=c++17",
        "-lineinfo",
        "--ftz=false",
        "--prec-div=true",
        "--prec-sqrt=true",
        "--fmad=true",
        "-DFLUXSERVE_NVRTC=1",
    ];

    private static string ProgramLog(nint program)
    {
        if (Nvrtc.nvrtcGetProgramLogSize(program, out nuint size) != Nvrtc.Success || size <= 1)
        {
            return string.Empty;
        }

        var buffer = new byte[(int)size];
        fixed (byte* p = buffer)
        {
            if (Nvrtc.nvrtcGetProgramLog(program, p) != Nvrtc.Success)
            {
                return string.Empty;
            }
        }

        return Encoding.UTF8.GetString(buffer, 0, buffer.Length - 1).Trim();
    }

    private string CacheKey(string source, string[] headerNames, string[] headers, string[] options)
    {
        var text = new StringBuilder()
            .AppendLine(CacheFormat)
            .AppendLine(_runtime.Info.NvrtcVersion)
            .AppendLine(_target)
            .AppendLine(string.Join(' ', options))
            .AppendLine(source);
        for (int i = 0; i < headers.Length; i++)
        {
            text.AppendLine(headerNames[i]).AppendLine(headers[i]);
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    private static void TryWriteCache(string path, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
            File.WriteAllBytes(temporary, image);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache folder only costs a compile next time.
        }
    }

    private static (string Target, bool Cubin) ChooseTarget(int computeCapability, string? architectureOverride)
    {
        if (!string.IsNullOrEmpty(architectureOverride))
        {
            return (architectureOverride, architectureOverride.StartsWith("sm_", StringComparison.Ordinal));
        }

        int[] supported = SupportedArchitectures();
        if (supported.Length == 0 || supported.Contains(computeCapability))
        {
            return ($"sm_{computeCapability}", true);
        }

        // NVRTC older than the device: emit PTX for the newest architecture it knows and let the driver finish it.
        int best = supported.Where(a => a <= computeCapability).DefaultIfEmpty(supported.Min()).Max();
        return ($"compute_{best}", false);
    }

    private static int[] SupportedArchitectures()
    {
        if (Nvrtc.nvrtcGetNumSupportedArchs(out int count) != Nvrtc.Success || count <= 0)
        {
            return [];
        }

        int[] architectures = new int[count];
        fixed (int* p = architectures)
        {
            return Nvrtc.nvrtcGetSupportedArchs(p) == Nvrtc.Success ? architectures : [];
        }
    }

    private static List<string> ListModules() =>
        [.. ListResources(".cu").Select(name => name[..^3])];

    private static List<string> ListResources(string extension)
    {
        var names = new List<string>();
        foreach (string resource in typeof(CudaKernelLibrary).Assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith("cuda/", StringComparison.Ordinal) && resource.EndsWith(extension, StringComparison.Ordinal))
            {
                names.Add(resource["cuda/".Length..]);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
