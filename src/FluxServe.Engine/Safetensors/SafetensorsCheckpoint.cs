using System.Text.Json;

namespace FluxServe.Engine.Safetensors;

/// <summary>
/// A set of tensors stored in one or more safetensors files: a single file, a sharded checkpoint described by a
/// <c>*.safetensors.index.json</c> (diffusers/transformers layout), or a folder holding either.
/// </summary>
/// <remarks>
/// Every file is mapped and validated when opened, and the whole set is checked for consistency: each name lives in
/// exactly one file, and an index lists exactly the tensors its shards hold (no missing shard, no name the shard
/// lacks, no shard tensor the index leaves out).
/// </remarks>
public sealed class SafetensorsCheckpoint : IDisposable
{
    private readonly SafetensorsFile[] _files;
    private readonly Dictionary<string, SafetensorsFile> _owner;

    private SafetensorsCheckpoint(string path, SafetensorsFile[] files, Dictionary<string, SafetensorsFile> owner)
    {
        SourcePath = path;
        _files = files;
        _owner = owner;
    }

    /// <summary>The path the checkpoint was opened from (file, index or folder), made absolute.</summary>
    public string SourcePath { get; }

    /// <summary>The files, in a stable order (sorted by path).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>All tensor names.</summary>
    public IReadOnlyCollection<string> Names => _owner.Keys;

    /// <summary>
    /// Opens <paramref name="path"/>: a <c>.safetensors</c> file; an index <c>.json</c>; or a folder, which must hold
    /// either exactly one <c>*.safetensors.index.json</c> or, without one, one or more <c>*.safetensors</c> files
    /// whose tensor names do not collide.
    /// </summary>
    /// <exception cref="SafetensorsException">A file is missing or malformed, or the files disagree; the message says which.</exception>
    public static SafetensorsCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            string[] indexes = Directory.GetFiles(full, "*.safetensors.index.json");
            Array.Sort(indexes, StringComparer.Ordinal);
            if (indexes.Length > 1)
            {
                throw new SafetensorsException(
                    full, null, $"Checkpoint folder '{full}' holds {indexes.Length} safetensors indexes ({string.Join(", ", indexes.Select(Path.GetFileName))}); open one of them.");
            }

            if (indexes.Length == 1)
            {
                return OpenIndex(indexes[0]);
            }

            string[] files = Directory.GetFiles(full, "*.safetensors");
            Array.Sort(files, StringComparer.Ordinal);
            return files.Length == 0
                ? throw new SafetensorsException(full, null, $"Checkpoint folder '{full}' holds no *.safetensors file and no *.safetensors.index.json.")
                : OpenFiles(full, files);
        }

        if (!File.Exists(full))
        {
            throw new SafetensorsException(full, null, $"Checkpoint '{full}' does not exist.");
        }

        return full.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenIndex(full) : OpenFiles(full, [full]);
    }

    /// <summary>True when some file holds a tensor of that name.</summary>
    public bool Contains(string name) => _owner.ContainsKey(name);

    /// <summary>The entry of <paramref name="name"/>, or false when absent.</summary>
    public bool TryGetEntry(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafetensorsEntry? entry)
    {
        entry = null;
        return _owner.TryGetValue(name, out var file) && file.TryGetEntry(name, out entry);
    }

    /// <summary>The header entry of tensor <paramref name="name"/>.</summary>
    /// <exception cref="SafetensorsException">No such tensor; the message names the checkpoint and the tensor.</exception>
    public SafetensorsEntry GetEntry(string name) => FileFor(name).GetEntry(name);

    /// <summary>Tensor <paramref name="name"/> as a CPU tensor (zero-copy over the map; see <see cref="SafetensorsFile.GetTensor"/>).</summary>
    /// <exception cref="SafetensorsException">No such tensor.</exception>
    public Tensor GetTensor(string name) => FileFor(name).GetTensor(name);

    /// <summary>The full path of the file that holds tensor <paramref name="name"/>.</summary>
    /// <exception cref="SafetensorsException">No such tensor.</exception>
    public string FileOf(string name) => FileFor(name).FilePath;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
    }

    private SafetensorsFile FileFor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _owner.TryGetValue(name, out var file)
            ? file
            : throw new SafetensorsException(
                SourcePath, name, $"Tensor '{name}' is not in checkpoint '{SourcePath}' ({_owner.Count} tensors in {_files.Length} file(s)).");
    }

    private static SafetensorsCheckpoint OpenFiles(string source, string[] paths)
    {
        var files = new List<SafetensorsFile>(paths.Length);
        try
        {
            var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (string p in paths)
            {
                var file = SafetensorsFile.Open(p);
                files.Add(file);
                foreach (var e in file.Entries)
                {
                    if (!owner.TryAdd(e.Name, file))
                    {
                        throw new SafetensorsException(
                            file.FilePath, e.Name, $"Tensor '{e.Name}' is in both '{owner[e.Name].FilePath}' and '{file.FilePath}' of checkpoint '{source}'; open one file, or add an index.");
                    }
                }
            }

            return new SafetensorsCheckpoint(source, [.. files], owner);
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
    }

    private static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        string folder = Path.GetDirectoryName(indexPath)!;
        var shardPaths = new SortedDictionary<string, string>(StringComparer.Ordinal); // shard path -> first tensor naming it
        foreach (var (name, shard) in weightMap)
        {
            string shardPath = ResolveShard(indexPath, folder, shard, name);
            shardPaths.TryAdd(shardPath, name);
        }

        foreach (var (shardPath, name) in shardPaths)
        {
            if (!File.Exists(shardPath))
            {
                throw new SafetensorsException(
                    indexPath, name, $"Safetensors index '{indexPath}' lists shard '{Path.GetFileName(shardPath)}' (for tensor '{name}' and maybe others), but '{shardPath}' does not exist.");
            }
        }

        var files = new List<SafetensorsFile>(shardPaths.Count);
        try
        {
            var byPath = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (string shardPath in shardPaths.Keys)
            {
                var file = SafetensorsFile.Open(shardPath);
                files.Add(file);
                byPath.Add(shardPath, file);
                foreach (var e in file.Entries)
                {
                    if (owner.TryGetValue(e.Name, out var other))
                    {
                        throw new SafetensorsException(
                            file.FilePath, e.Name, $"Tensor '{e.Name}' is in both shards '{other.FilePath}' and '{file.FilePath}' of index '{indexPath}'.");
                    }

                    owner.Add(e.Name, file);
                }
            }

            foreach (var (name, shard) in weightMap)
            {
                var file = byPath[ResolveShard(indexPath, folder, shard, name)];
                if (!owner.TryGetValue(name, out var actual))
                {
                    throw new SafetensorsException(
                        file.FilePath, name, $"Safetensors index '{indexPath}' places tensor '{name}' in shard '{file.FilePath}', which does not hold it.");
                }

                if (!ReferenceEquals(actual, file))
                {
                    throw new SafetensorsException(
                        file.FilePath, name, $"Safetensors index '{indexPath}' places tensor '{name}' in shard '{file.FilePath}', but it is in shard '{actual.FilePath}'.");
                }
            }

            foreach (var (name, file) in owner)
            {
                if (!weightMap.ContainsKey(name))
                {
                    throw new SafetensorsException(
                        file.FilePath, name, $"Shard '{file.FilePath}' holds tensor '{name}', which index '{indexPath}' does not list.");
                }
            }

            return new SafetensorsCheckpoint(indexPath, [.. files], owner);
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
    }

    /// <summary>Reads the index's <c>weight_map</c> (tensor name to shard file name); the index itself is small JSON.</summary>
    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(indexPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsException(indexPath, null, $"Safetensors index '{indexPath}' cannot be read ({ex.Message}).", ex);
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsException(indexPath, null, $"Safetensors index '{indexPath}' has no \"weight_map\" object.");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(p.Value.GetString()))
                {
                    throw new SafetensorsException(indexPath, p.Name, $"Safetensors index '{indexPath}' maps tensor '{p.Name}' to a {p.Value.ValueKind}, expected a shard file name.");
                }

                if (!weightMap.TryAdd(p.Name, p.Value.GetString()!))
                {
                    throw new SafetensorsException(
                        indexPath, p.Name, $"Safetensors index '{indexPath}' lists tensor '{p.Name}' more than once (in '{weightMap[p.Name]}' and '{p.Value.GetString()}').");
                }
            }

            return weightMap;
        }
        catch (JsonException ex)
        {
            throw new SafetensorsException(indexPath, null, $"Safetensors index '{indexPath}' is not valid JSON ({ex.Message}).", ex);
        }
    }

    private static string ResolveShard(string indexPath, string folder, string shard, string tensorName)
    {
        string resolved = Path.GetFullPath(Path.Combine(folder, shard));
        string prefix = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(shard) || !resolved.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new SafetensorsException(
                indexPath, tensorName, $"Safetensors index '{indexPath}' names shard '{shard}' (for tensor '{tensorName}') outside its own folder.");
        }

        return resolved;
    }
}
