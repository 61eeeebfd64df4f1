using System.Runtime.InteropServices;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>The CRC-32 of PNG chunks (PNG spec §5.5), computed by the system zlib.</summary>
internal static unsafe class PngCrc
{
    /// <summary>The CRC of <paramref name="data"/> from the start value.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC over more bytes: <c>Append(Compute(a), b) == Compute(a + b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return crc;
        }

        try
        {
            fixed (byte* pointer = data)
            {
                return (uint)ZlibNative.Crc32(new CULong(crc), pointer, (uint)data.Length).Value;
            }
        }
        catch (DllNotFoundException e)
        {
            throw NativeImagingLibrary.Missing(ZlibNative.LibraryName, "zlib1g", e);
        }
    }
}
