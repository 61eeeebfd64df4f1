using System.Buffers.Binary;

namespace FluxServe.Engine.Safetensors;

/// <summary>
/// One safetensors file, memory-mapped read-only, with its header parsed and validated when opened. Tensors read
/// from it are zero-copy CPU views over the map.
/// </summary>
/// <remarks>
/// Layout (see <c>docs/safetensors.md</c>): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (possibly padded with spaces), then the data section that the header's tensors tile exactly. Nothing is read into
/// managed memory beyond the header's parsed entries; the JSON is parsed straight from the map.
/// <para>
/// Tensors from <see cref="GetTensor"/> stay valid after this file is disposed: each holds a reference on the view,
/// which is unmapped when the file and the last such tensor are gone. They are read-only memory: writing through
/// <see cref="Tensor.AsSpan{T}"/> faults. Spans from <see cref="GetBytes"/> are valid only until disposal.
/// </para>
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly SafetensorsMapping _mapping;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsFile(string path, SafetensorsMapping mapping, long dataStart, List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        FilePath = path;
        _mapping = mapping;
        DataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
        _byName = new Dictionary<string, SafetensorsEntry>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            _byName.Add(e.Name, e);
        }
    }

    /// <summary>The full path of the file.</summary>
    public string FilePath { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Offset of the data section from the start of the file (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>The file's size in bytes.</summary>
    public long FileLength => _mapping.Length;

    /// <summary>Maps <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="SafetensorsException">The file is missing, unreadable or malformed; the message says how.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        long length;
        try
        {
            var info = new FileInfo(full);
            if (!info.Exists)
            {
                throw SafetensorsException.ForFile(full, "the file does not exist.");
            }

            length = info.Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SafetensorsException.ForFile(full, $"the file cannot be read ({ex.Message}).", ex);
        }

        if (length < 8)
        {
            throw SafetensorsException.ForFile(full, $"the file is {length} bytes long, shorter than the 8-byte header length.");
        }

        SafetensorsMapping mapping;
        try
        {
            mapping = SafetensorsMapping.Open(full, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SafetensorsException.ForFile(full, $"the file cannot be mapped ({ex.Message}).", ex);
        }

        try
        {
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(mapping.Span(0, 8));
            if (headerLength > SafetensorsHeader.MaxHeaderLength)
            {
                throw SafetensorsException.ForFile(
                    full, $"the header length is {headerLength} bytes, above the limit of {SafetensorsHeader.MaxHeaderLength} (not a safetensors file, or corrupt).");
            }

            if ((long)headerLength > length - 8)
            {
                throw SafetensorsException.ForFile(
                    full, $"the header length is {headerLength} bytes but only {length - 8} bytes follow it (truncated, or not a safetensors file).");
            }

            long dataStart = 8 + (long)headerLength;
            var (entries, metadata) = SafetensorsHeader.Parse(full, mapping.Span(8, (int)headerLength), dataStart, length - dataStart);
            return new SafetensorsFile(full, mapping, dataStart, entries, metadata);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry of <paramref name="name"/>, or false when absent.</summary>
    public bool TryGetEntry(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafetensorsEntry? entry) =>
        _byName.TryGetValue(name, out entry);

    /// <summary>The header entry of tensor <paramref name="name"/>.</summary>
    /// <exception cref="SafetensorsException">No such tensor; the message names the file and the tensor.</exception>
    public SafetensorsEntry GetEntry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out var entry)
            ? entry
            : throw SafetensorsException.ForTensor(FilePath, name, $"is not in the file ({_byName.Count} tensors).");
    }

    /// <summary>
    /// Tensor <paramref name="name"/> as a CPU tensor. For engine dtypes it is a zero-copy, read-only view over the
    /// map that keeps the mapping alive until disposed; stored types that need conversion are copied.
    /// </summary>
    /// <exception cref="SafetensorsException">No such tensor.</exception>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    public Tensor GetTensor(string name)
    {
        var entry = GetEntry(name);
        byte* basePointer = _mapping.Base;
        if (entry.IsConverted)
        {
            return ReadConverted(entry, basePointer);
        }

        var storage = CpuStorage.Borrow((nint)(basePointer + entry.DataBegin), entry.ByteLength, _mapping.Handle);
        try
        {
            return new Tensor(storage, 0, entry.Shape, entry.DType);
        }
        catch
        {
            storage.Release();
            throw;
        }
    }

    /// <summary>The stored bytes of tensor <paramref name="name"/>, valid until this file is disposed.</summary>
    /// <exception cref="SafetensorsException">No such tensor, or it is 2 GiB or larger (use <see cref="GetTensor"/>).</exception>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var entry = GetEntry(name);
        if (entry.ByteLength > int.MaxValue)
        {
            throw SafetensorsException.ForTensor(FilePath, name, $"is {entry.ByteLength} bytes, too large for a span; read it with GetTensor.");
        }

        return _mapping.Span(entry.DataBegin, (int)entry.ByteLength);
    }

    /// <inheritdoc />
    public void Dispose() => _mapping.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"SafetensorsFile({FilePath}, {Entries.Count} tensors)";

    private Tensor ReadConverted(SafetensorsEntry entry, byte* basePointer)
    {
        long outBytes = entry.Length * entry.DType.SizeOf();
        if (entry.ByteLength > int.MaxValue || outBytes > int.MaxValue)
        {
            throw SafetensorsException.ForTensor(FilePath, entry.Name, $"is stored as {entry.StoredDType}, which is converted on read, and is too large for that.");
        }

        var tensor = Tensor.Empty(entry.Shape, entry.DType);
        try
        {
            SafetensorsDTypes.Convert(entry.StoredDType, new ReadOnlySpan<byte>(basePointer + entry.DataBegin, (int)entry.ByteLength), tensor.AsBytes());
            return tensor;
        }
        catch (OverflowException ex)
        {
            tensor.Dispose();
            throw SafetensorsException.ForTensor(FilePath, entry.Name, $"holds a {entry.StoredDType} value that does not fit in {entry.DType}.", ex);
        }
    }
}
