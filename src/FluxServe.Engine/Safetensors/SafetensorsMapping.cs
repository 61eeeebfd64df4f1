using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace FluxServe.Engine.Safetensors;

/// <summary>
/// A read-only memory map of a whole file, with the view pointer acquired once. Tensors borrow
/// <see cref="Handle"/>, whose reference count keeps the view mapped after this object is disposed.
/// </summary>
internal sealed unsafe class SafetensorsMapping : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    private SafetensorsMapping(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        Length = length;
        byte* p = null;
        Handle.AcquirePointer(ref p);
        _base = p + view.PointerOffset;
    }

    /// <summary>The file's size in bytes.</summary>
    public long Length { get; }

    /// <summary>The view's handle: the owner that borrowed tensors keep alive.</summary>
    public SafeMemoryMappedViewHandle Handle => _view.SafeMemoryMappedViewHandle;

    /// <summary>Address of the file's first byte.</summary>
    public byte* Base
    {
        get
        {
            ObjectDisposedException.ThrowIf(_base == null, this);
            return _base;
        }
    }

    /// <summary>Maps <paramref name="path"/> read-only; the file must be at least one byte long.</summary>
    public static SafetensorsMapping Open(string path, long length)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess);
        MemoryMappedFile? file = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafetensorsMapping(file, view, length);
        }
        catch
        {
            if (file is null)
            {
                stream.Dispose();
            }
            else
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <summary>A span over <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length) => new(Base + offset, length);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_base == null)
        {
            return;
        }

        _base = null;
        Handle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
