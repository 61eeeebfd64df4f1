using System.Runtime.InteropServices;

namespace FluxServe.Server.Loras;

/// <summary>fsync(2) of a directory, so a rename inside it survives a power loss (POSIX; .NET cannot open a directory).</summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY opens a directory too; O_DIRECTORY's value differs between architectures

    public static void Flush(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = Open(folder, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {folder} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (FileSync(fd) != 0)
            {
                throw new IOException($"Cannot flush folder {folder} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FileSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
