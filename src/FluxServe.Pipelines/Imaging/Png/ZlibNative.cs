using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// The system zlib (<c>libz.so.1</c>, Debian package <c>zlib1g</c>), bound for its CRC-32 only: PNG chunks carry the
/// same CRC (ISO 3309, polynomial 0xEDB88320 reflected) and .NET has no public implementation of it in the box.
/// Deflate itself goes through <see cref="System.IO.Compression.ZLibStream"/>.
/// </summary>
internal static unsafe partial class ZlibNative
{
    public const string LibraryName = "libz.so.1";

    /// <summary><c>uLong crc32(uLong crc, const Bytef *buf, uInt len)</c>: continues <paramref name="crc"/> over the bytes.</summary>
    /// <remarks>A null <paramref name="buffer"/> returns the initial value (0), so callers must not pass empty spans.</remarks>
    [LibraryImport(LibraryName, EntryPoint = "crc32")]
    public static partial CULong Crc32(CULong crc, byte* buffer, uint length);
}
