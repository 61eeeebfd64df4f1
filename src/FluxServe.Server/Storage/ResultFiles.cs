namespace FluxServe.Server.Storage;

/// <summary>The folder of result images (<c>{data}/outputs</c>); file names are unguessable tokens.</summary>
public sealed class ResultFiles
{
    public ResultFiles(ServerDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Folder = database.OutputsFolder;
    }

    public string Folder { get; }

    public string PathOf(string fileName) => Path.Combine(Folder, Path.GetFileName(fileName));

    /// <summary>Writes a file completely (temporary name, then rename) so a crash never leaves half an image under its name.</summary>
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
            // Still open by a reader; the next sweep's orphan pass removes it.
        }
    }

    /// <summary>Deletes files that no stored output names (left by a crash between writing and committing).</summary>
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
