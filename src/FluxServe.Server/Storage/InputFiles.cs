using System.Security.Cryptography;

namespace FluxServe.Server.Storage;

/// <summary>
/// The folder of input images (<c>{data}/inputs</c>): an image endpoint's input is fetched and checked when the job is
/// submitted and kept here until the job ends, so a queued job survives a restart without fetching it again.
/// </summary>
public sealed class InputFiles(ServerDatabase database)
    : TokenFileFolder(Path.Combine((database ?? throw new ArgumentNullException(nameof(database))).DataFolder, "inputs"))
{
    /// <summary>Stores <paramref name="bytes"/> under a new unguessable name and returns the name.</summary>
    public async Task<string> WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        string name = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await WriteAsync(name, bytes, cancellationToken).ConfigureAwait(false);
        return name;
    }
}
