namespace FluxServe.Server.Storage;

/// <summary>
/// A folder of files named by unguessable tokens, written completely (temporary name, then rename) so a crash never
/// leaves half a file under its name: the base of <see cref="ResultFiles"/> and <see cref="InputFiles"/>.
/// </summary>
public abstract class TokenFileFolder
{
    protected TokenFileFolder(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
    }

    public string Folder { get; }

    public string PathOf(string fileName) => Path.Combine(Folder, Path.GetFileName(fileName));

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="fileName"/> (temporary file, then rename).</summary>
    public async Task WriteAsync(string fileName, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        string path = PathOf(fileName);
        string temporary = path + ".partial";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    public void Delete(string fileName)
    {
        try
        {
            File.Delete(PathOf(fileName));
        }
        catch (IOException)
        {
            // Still open by a reader; a later orphan pass removes it.
        }
    }

    /// <summary>Deletes files that <paramref name="referenced"/> does not name (left by a crash); returns how many.</summary>
    public int DeleteOrphans(IReadOnlySet<string> referenced)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        int deleted = 0;
        foreach (string path in Directory.EnumerateFiles(Folder))
        {
            if (!referenced.Contains(Path.GetFileName(path)))
            {
                File.Delete(path);
                deleted++;
            }
        }

        return deleted;
    }
}
