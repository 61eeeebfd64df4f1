using System.Security.Cryptography;

namespace FluxServe.Server.Storage;

/// <summary>
/// The folder of input images (<c>{data}/inputs</c>): an image endpoint's input is fetched and checked when the job is
/// submitted and kept here until the job ends, so a queued job survives a restart without fetching it again.
/// </summary>
public sealed class InputFiles
{
    public InputFiles(ServerDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Folder = Path.Combine(database.DataFolder, "inputs");
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string PathOf(string fileName) => Path.Combine(Folder, Path.GetFileName(fileName));

    /// <summary>Stores <paramref name="bytes"/> under a new unguessable name (temporary file, then rename) and returns the name.</summary>
    public async Task<string> WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        string name = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        string path = PathOf(name);
        string temporary = path + ".partial";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
        return name;
    }

    public void Delete(string fileName)
    {
        try
        {
            File.Delete(PathOf(fileName));
        }
        catch (IOException)
        {
            // Still open by a reader; the next start's orphan pass removes it.
        }
    }

    /// <summary>Deletes inputs no unfinished job names (left by a crash or a refused submit); returns how many.</summary>
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
