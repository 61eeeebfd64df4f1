using System.Buffers.Binary;
using System.Text;

namespace FluxServe.Engine.Tests.Safetensors;

/// <summary>A unique folder under the temp path, deleted on dispose, with a raw safetensors file builder.</summary>
public sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fluxserve-st-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a file by hand: 8-byte length (the JSON's unless overridden), the JSON, then the data.</summary>
    public string WriteRaw(string name, string json, ReadOnlySpan<byte> data = default, ulong? headerLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        return WriteRaw(name, header, data, headerLength);
    }

    /// <summary>Writes a file by hand from raw header bytes.</summary>
    public string WriteRaw(string name, byte[] header, ReadOnlySpan<byte> data = default, ulong? headerLength = null)
    {
        string path = File(name);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> n = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(n, headerLength ?? (ulong)header.Length);
        stream.Write(n);
        stream.Write(header);
        stream.Write(data);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A mapping still open in a failed test must not hide that test's own failure.
        }
    }
}
