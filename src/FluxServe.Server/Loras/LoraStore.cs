using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using FluxServe.Engine.Safetensors;
using FluxServe.Models.Checkpoints;
using FluxServe.Models.Flux;
using FluxServe.Models.Lora;
using FluxServe.Pipelines.Registry;
using FluxServe.Server.Configuration;
using FluxServe.Server.Storage;
using FluxServe.Server.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace FluxServe.Server.Loras;

/// <summary>
/// The registered LoRA endpoints: rows of the <c>loras</c> table and their files in <c>{DataFolder}/loras/</c>.
/// </summary>
/// <remarks>
/// A file is copied under a temporary name, flushed to disk, hashed and checked with <see cref="LoraAdapter.Load"/>
/// against the installed FLUX.1-dev (or the real FLUX.1-dev shape when none is installed) before it is renamed to
/// <c>{id}.safetensors</c> and its row committed, so a crash leaves no half-written file under a registered name and no
/// row without its file. Every lookup reads SQLite (WAL: cheap, and registrations made by the <c>fluxserve lora</c>
/// command while the server runs are seen at once). Thread-safe.
/// </remarks>
public sealed class LoraStore
{
    private const string StagingPrefix = ".staging-";
    private const string Columns = "id, name, account_id, file, trigger, sha256, bytes, summary, created_at, removed_at";
    private const int MaxTriggerLength = 200;
    private const int BufferBytes = 1 << 20;

    // Staged copies older than this are left over from a killed process (a live upload writes continuously).
    private static readonly TimeSpan AbandonedStagingAge = TimeSpan.FromHours(1);

    private readonly ServerDatabase _database;
    private readonly IReadOnlyList<string> _modelFolders;
    private readonly TimeProvider _time;

    public LoraStore(ServerDatabase database, IOptions<ModelsOptions> models, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(models);
        _database = database;
        _modelFolders = [.. models.Value.Folders];
        _time = time;
        Folder = Path.Combine(database.DataFolder, "loras");
        Directory.CreateDirectory(Folder);
        RemoveAbandonedStagingFiles();
    }

    /// <summary>The absolute folder holding the registered files.</summary>
    public string Folder { get; }

    /// <summary>Copies, checks and registers <paramref name="sourceFile"/> as LoRA <paramref name="name"/> of account <paramref name="accountId"/>.</summary>
    /// <exception cref="LoraRegistrationException">A bad name or trigger, an unknown account, or a file the FLUX.1-dev base cannot use (the loader's message, naming every bad key).</exception>
    /// <exception cref="IOException">The source cannot be read or the copy cannot be written.</exception>
    public LoraRecord Register(string name, string sourceFile, long accountId, string? trigger, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFile);
        CheckRequest(name, accountId, trigger); // before copying what may be gigabytes
        using var staged = Stage(sourceFile, cancellationToken);
        return Register(name, staged, accountId, trigger);
    }

    /// <summary>Copies <paramref name="sourceFile"/> in full into the LoRA folder under a temporary name, hashing it.</summary>
    public LoraStagedFile Stage(string sourceFile, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(sourceFile);
        using var source = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var writer = new StagingWriter(Folder, full, long.MaxValue);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            int read;
            while ((read = source.Read(buffer, 0, BufferBytes)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                writer.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return writer.Complete();
    }

    /// <summary>Copies <paramref name="content"/> (an upload) in full into the LoRA folder under a temporary name, hashing it.</summary>
    /// <param name="content">Read to its end, never buffered whole.</param>
    /// <param name="sourceName">What error messages call the file (the upload's file name).</param>
    /// <param name="maxBytes">More than this is refused (<see cref="LoraRefusal.TooLarge"/>) without reading further.</param>
    /// <param name="cancellationToken">Stops the copy; the partial copy is deleted.</param>
    public async Task<LoraStagedFile> StageAsync(Stream content, string sourceName, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var writer = new StagingWriter(Folder, sourceName, maxBytes);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.AppendAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return writer.Complete();
    }

    /// <summary>Checks a staged copy against the FLUX.1-dev base and registers it: renamed to <c>{id}.safetensors</c>, then its row committed.</summary>
    /// <exception cref="LoraRegistrationException">A bad name or trigger, an unknown account, or a file the base cannot use.</exception>
    public LoraRecord Register(string name, LoraStagedFile staged, long accountId, string? trigger)
    {
        ArgumentNullException.ThrowIfNull(staged);
        trigger = CheckRequest(name, accountId, trigger);
        string id = Guid.NewGuid().ToString("D");
        string file = id + ".safetensors";
        string path = Path.Combine(Folder, file);
        string summary = Validate(staged, path);

        File.Move(staged.Path, path);
        staged.Registered = true;
        var createdAt = _time.GetUtcNow();
        try
        {
            DirectorySync.Flush(Folder);
            _database.Sqlite.Write(c =>
            {
                if (!AccountExists(c, accountId))
                {
                    throw UnknownAccount(accountId);
                }

                c.Prepare("""
                    INSERT INTO loras (id, name, account_id, file, trigger, sha256, bytes, summary, created_at)
                    VALUES (@id, @name, @account, @file, @trigger, @sha256, @bytes, @summary, @now)
                    """)
                    .Bind("@id", id).Bind("@name", name).Bind("@account", accountId).Bind("@file", file).Bind("@trigger", trigger)
                    .Bind("@sha256", staged.Sha256).Bind("@bytes", staged.Bytes).Bind("@summary", summary)
                    .Bind("@now", createdAt.ToUnixTimeMilliseconds()).Execute();
                return 0;
            });
        }
        catch
        {
            DeleteQuietly(path);
            throw;
        }

        return new LoraRecord(id, name, accountId, path, trigger, staged.Sha256, staged.Bytes, summary,
            DateTimeOffset.FromUnixTimeMilliseconds(createdAt.ToUnixTimeMilliseconds()));
    }

    /// <summary>The live LoRA an endpoint name <c>{uuid}-{name}</c> designates; null when unknown, removed, or the name part differs.</summary>
    public LoraRecord? Find(string endpointName)
    {
        if (!LoraEndpointName.TryParse(endpointName, out string id, out string name))
        {
            return null;
        }

        var record = Get(id);
        return record is { RemovedAt: null } && string.Equals(record.Name, name, StringComparison.Ordinal) ? record : null;
    }

    /// <summary>The LoRA with this id, removed ones included (<see cref="LoraRecord.RemovedAt"/> set); null when unknown.</summary>
    public LoraRecord? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _database.Sqlite.Read((this, id.ToLowerInvariant()), static (c, state) =>
        {
            var s = c.Prepare($"SELECT {Columns} FROM loras WHERE id = @id").Bind("@id", state.Item2);
            try
            {
                return s.Step() ? state.Item1.ReadRecord(s) : null;
            }
            finally
            {
                s.Reset();
            }
        });
    }

    /// <summary>The live LoRAs, oldest first: all of them, or those of one account.</summary>
    public IReadOnlyList<LoraRecord> List(long? accountId = null) => _database.Sqlite.Read((this, accountId), static (c, state) =>
    {
        var s = state.accountId is long account
            ? c.Prepare($"SELECT {Columns} FROM loras WHERE removed_at IS NULL AND account_id = @account ORDER BY created_at, id").Bind("@account", account)
            : c.Prepare($"SELECT {Columns} FROM loras WHERE removed_at IS NULL ORDER BY created_at, id");
        var list = new List<LoraRecord>();
        try
        {
            while (s.Step())
            {
                list.Add(state.Item1.ReadRecord(s));
            }
        }
        finally
        {
            s.Reset();
        }

        return list;
    });

    /// <summary>Removes a live LoRA: its row is marked removed and its file deleted. False when no live LoRA has that endpoint name.</summary>
    /// <remarks>Jobs already queued for it fail when they find it gone; the id is never reused.</remarks>
    public bool Remove(string endpointName)
    {
        if (!LoraEndpointName.TryParse(endpointName, out string id, out string name))
        {
            return false;
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        string? file = _database.Sqlite.Write(c =>
        {
            var s = c.Prepare("SELECT file FROM loras WHERE id = @id AND name = @name AND removed_at IS NULL").Bind("@id", id).Bind("@name", name);
            string? found;
            try
            {
                found = s.Step() ? s.GetRequiredText(0) : null;
            }
            finally
            {
                s.Reset();
            }

            if (found is not null)
            {
                c.Prepare("UPDATE loras SET removed_at = @now WHERE id = @id").Bind("@now", now).Bind("@id", id).Execute();
            }

            return found;
        });
        if (file is null)
        {
            return false;
        }

        DeleteQuietly(Path.Combine(Folder, file));
        return true;
    }

    /// <summary>
    /// The FLUX.1-dev configuration LoRAs are checked against: the transformer of the first <c>{folder}/flux-dev</c> of
    /// <c>Models:Folders</c>, else the real FLUX.1-dev shape (19 double + 38 single blocks, hidden 3072, guidance embedding).
    /// </summary>
    /// <exception cref="InvalidOperationException">An installed flux-dev exists but cannot be read.</exception>
    public FluxConfig BaseModelConfig()
    {
        foreach (string folder in _modelFolders)
        {
            string path = Path.GetFullPath(Path.Combine(folder, "flux-dev"));
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                continue;
            }

            try
            {
                return FluxCheckpoint.ReadConfig(FluxModelDiscovery.Discover(path).Transformer);
            }
            catch (Exception error) when (error is CheckpointException or SafetensorsException)
            {
                throw new InvalidOperationException($"The installed FLUX.1-dev at {path} cannot be read to check LoRAs against it: {error.Message}", error);
            }
        }

        return new FluxConfig { GuidanceEmbed = true };
    }

    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool AccountExists(SqliteConnection c, long accountId)
    {
        var s = c.Prepare("SELECT 1 FROM accounts WHERE id = @id").Bind("@id", accountId);
        try
        {
            return s.Step();
        }
        finally
        {
            s.Reset();
        }
    }

    private static LoraRegistrationException UnknownAccount(long accountId) =>
        new(LoraRefusal.UnknownAccount, "account", $"No account {accountId.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>Checks the name, trigger and account; returns the trigger trimmed (null when empty).</summary>
    private string? CheckRequest(string name, long accountId, string? trigger)
    {
        if (!LoraEndpointName.IsValidName(name))
        {
            throw new LoraRegistrationException(LoraRefusal.InvalidName, "name",
                $"name '{name}' is not a valid LoRA name: it must be {LoraEndpointName.NameRule}.");
        }

        trigger = string.IsNullOrWhiteSpace(trigger) ? null : trigger.Trim();
        if (trigger is not null && (trigger.Length > MaxTriggerLength || trigger.Any(char.IsControl)))
        {
            throw new LoraRegistrationException(LoraRefusal.InvalidTrigger, "trigger",
                $"trigger must be at most {MaxTriggerLength} characters on one line.");
        }

        if (!_database.Sqlite.Read(accountId, static (c, id) => AccountExists(c, id)))
        {
            throw UnknownAccount(accountId);
        }

        return trigger;
    }

    /// <summary>Loads the staged copy as a LoRA for the base model; returns its summary as the registered file will show it.</summary>
    private string Validate(LoraStagedFile staged, string finalPath)
    {
        var config = BaseModelConfig();
        try
        {
            using var adapter = LoraAdapter.Load(staged.Path, config);
            return (adapter.Summary with { Source = finalPath }).ToString();
        }
        catch (LoraFormatException error)
        {
            // The loader's own message (every bad key), naming the user's file rather than the temporary copy.
            throw new LoraRegistrationException(LoraRefusal.NotALora, "file", error.Message.Replace(staged.Path, staged.SourceName, StringComparison.Ordinal));
        }
        catch (SafetensorsException error)
        {
            throw new LoraRegistrationException(LoraRefusal.NotALora, "file",
                $"{staged.SourceName} is not a safetensors file: {error.Message.Replace(staged.Path, staged.SourceName, StringComparison.Ordinal)}");
        }
    }

    private LoraRecord ReadRecord(SqliteStatement s) => new(
        s.GetRequiredText(0),
        s.GetRequiredText(1),
        s.GetInt64(2),
        Path.Combine(Folder, s.GetRequiredText(3)),
        s.GetText(4),
        s.GetRequiredText(5),
        s.GetInt64(6),
        s.GetText(7),
        DateTimeOffset.FromUnixTimeMilliseconds(s.GetInt64(8)),
        s.GetNullableInt64(9) is long removed ? DateTimeOffset.FromUnixTimeMilliseconds(removed) : null);

    private void RemoveAbandonedStagingFiles()
    {
        var cutoff = (_time.GetUtcNow() - AbandonedStagingAge).UtcDateTime;
        foreach (string path in Directory.EnumerateFiles(Folder, StagingPrefix + "*"))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff)
            {
                DeleteQuietly(path);
            }
        }
    }

    /// <summary>Writes a staged copy: temporary name, SHA-256 on the way, flushed to disk before it counts as complete.</summary>
    private sealed class StagingWriter : IDisposable
    {
        private readonly FileStream _file;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly string _path;
        private readonly string _sourceName;
        private readonly long _maxBytes;
        private long _bytes;
        private bool _complete;

        public StagingWriter(string folder, string sourceName, long maxBytes)
        {
            _path = Path.Combine(folder, StagingPrefix + Guid.NewGuid().ToString("N") + ".tmp");
            _sourceName = sourceName;
            _maxBytes = maxBytes;
            _file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            Count(data.Length);
            _hash.AppendData(data);
            _file.Write(data);
        }

        public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Count(data.Length);
            _hash.AppendData(data.Span);
            await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }

        public LoraStagedFile Complete()
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _complete = true;
            return new LoraStagedFile(_path, _sourceName, Convert.ToHexStringLower(_hash.GetHashAndReset()), _bytes);
        }

        public void Dispose()
        {
            _hash.Dispose();
            if (!_complete)
            {
                _file.Dispose();
                DeleteQuietly(_path);
            }
        }

        private void Count(int length)
        {
            _bytes += length;
            if (_bytes > _maxBytes)
            {
                throw new LoraRegistrationException(LoraRefusal.TooLarge, "file",
                    $"file {_sourceName} is larger than the {_maxBytes.ToString(CultureInfo.InvariantCulture)} bytes a LoRA may have (Loras:MaxFileBytes).");
            }
        }
    }
}
