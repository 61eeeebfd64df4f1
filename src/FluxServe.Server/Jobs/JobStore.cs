using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Storage;
using FluxServe.Server.Storage.Sqlite;

namespace FluxServe.Server.Jobs;

/// <summary>Every job and its state transitions, durably in SQLite; payment and refund commit with the transition.</summary>
/// <remarks>
/// Every transition is a conditional UPDATE on the current state, so a job finishes once: a worker completing a job
/// that was cancelled meanwhile changes nothing, and a refund is never paid twice.
/// </remarks>
public sealed class JobStore
{
    private const string Columns = """
        seq, id, account_id, key_id, endpoint, model, parameters, state, cost, refunded, attempts, sync, created_at,
        started_at, finished_at, expires_at, error, result, base_url, webhook_url, webhook_state, webhook_attempts
        """;

    private readonly ServerDatabase _database;
    private readonly TimeProvider _time;

    public JobStore(ServerDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Stores a job and debits its cost in one transaction (or replays an idempotent submit).</summary>
    public SubmitOutcome Submit(NewJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        long now = Now();
        return _database.Sqlite.Write((job, now), static (c, state) =>
        {
            var (job, now) = state;
            if (job.IdempotencyKey is not null)
            {
                var s = c.Prepare($"SELECT {Columns}, request_hash FROM jobs WHERE key_id = @key AND idempotency_key = @idem")
                    .Bind("@key", job.Caller.KeyId).Bind("@idem", job.IdempotencyKey);
                try
                {
                    if (s.Step())
                    {
                        var earlier = ReadJob(s);
                        byte[]? hash = s.GetBlob(22);
                        bool same = hash is not null && job.RequestHash is not null && hash.AsSpan().SequenceEqual(job.RequestHash);
                        return new SubmitOutcome(same ? SubmitStatus.Replayed : SubmitStatus.IdempotencyConflict, earlier,
                            CreditLedger.Balance(c, job.Caller.AccountId));
                    }
                }
                finally
                {
                    s.Reset();
                }
            }

            if (!CreditLedger.TryDebit(c, job.Caller.AccountId, job.CostMicro))
            {
                return new SubmitOutcome(SubmitStatus.InsufficientCredits, null, CreditLedger.Balance(c, job.Caller.AccountId));
            }

            c.Prepare("""
                INSERT INTO jobs (id, account_id, key_id, endpoint, model, parameters, state, cost, sync, created_at, base_url,
                                  webhook_url, idempotency_key, request_hash)
                VALUES (@id, @account, @key, @endpoint, @model, @parameters, 'QUEUED', @cost, @sync, @now, @base, @webhook, @idem, @hash)
                """)
                .Bind("@id", job.Id).Bind("@account", job.Caller.AccountId).Bind("@key", job.Caller.KeyId)
                .Bind("@endpoint", job.Endpoint).Bind("@model", job.Model)
                .Bind("@parameters", JsonSerializer.Serialize(job.Parameters, StoreJsonContext.Default.JobParameters))
                .Bind("@cost", job.CostMicro).Bind("@sync", job.Sync).Bind("@now", now).Bind("@base", job.BaseUrl)
                .Bind("@webhook", job.WebhookUrl).Bind("@idem", job.IdempotencyKey)
                .Bind("@hash", job.RequestHash)
                .Execute();

            return new SubmitOutcome(SubmitStatus.Accepted, Get(c, job.Id), CreditLedger.Balance(c, job.Caller.AccountId));
        });
    }

    public JobRecord? Get(string id) => _database.Sqlite.Read(id, static (c, id) => Get(c, id));

    /// <summary>QUEUED → PROCESSING for each id still queued; returns the jobs claimed (attempts counted).</summary>
    public IReadOnlyList<JobRecord> Claim(IReadOnlyList<string> ids)
    {
        long now = Now();
        return _database.Sqlite.Write((ids, now), static (c, state) =>
        {
            var claimed = new List<JobRecord>(state.ids.Count);
            foreach (string id in state.ids)
            {
                int changed = c.Prepare("UPDATE jobs SET state = 'PROCESSING', started_at = @now, attempts = attempts + 1 WHERE id = @id AND state = 'QUEUED'")
                    .Bind("@now", state.now).Bind("@id", id).Execute();
                if (changed == 1 && Get(c, id) is { } job)
                {
                    claimed.Add(job);
                }
            }

            return claimed;
        });
    }

    /// <summary>PROCESSING → COMPLETED with its result and outputs; false when the job is no longer processing (cancelled).</summary>
    public bool Complete(string id, JobResult result, TimeSpan retention)
    {
        ArgumentNullException.ThrowIfNull(result);
        long now = Now();
        string json = JsonSerializer.Serialize(result, StoreJsonContext.Default.JobResult);
        return _database.Sqlite.Write((id, result, json, now, expires: now + (long)retention.TotalMilliseconds), static (c, s) =>
        {
            int changed = c.Prepare("""
                UPDATE jobs SET state = 'COMPLETED', finished_at = @now, expires_at = @expires, result = @result,
                    webhook_state = CASE WHEN webhook_url IS NULL THEN NULL ELSE 'pending' END
                WHERE id = @id AND state = 'PROCESSING'
                """).Bind("@now", s.now).Bind("@expires", s.expires).Bind("@result", s.json).Bind("@id", s.id).Execute();
            if (changed != 1)
            {
                return false;
            }

            for (int i = 0; i < s.result.Outputs.Count; i++)
            {
                var output = s.result.Outputs[i];
                c.Prepare("INSERT INTO outputs (token, job_id, idx, format, file) VALUES (@token, @job, @idx, @format, @file)")
                    .Bind("@token", output.Token).Bind("@job", s.id).Bind("@idx", i).Bind("@format", output.Format.ToString())
                    .Bind("@file", output.FileName).Execute();
            }

            return true;
        });
    }

    /// <summary>QUEUED or PROCESSING → FAILED with <paramref name="error"/>, refunding the cost; false when already finished.</summary>
    public bool Fail(string id, string error, TimeSpan retention)
    {
        long now = Now();
        return _database.Sqlite.Write((id, error, now, expires: now + (long)retention.TotalMilliseconds), static (c, s) => Fail(c, s.id, s.error, s.now, s.expires));
    }

    /// <summary>PROCESSING → QUEUED (a worker stopped with the server); the attempt stays counted.</summary>
    public bool Requeue(string id) => _database.Sqlite.Write(id, static (c, id) =>
        c.Prepare("UPDATE jobs SET state = 'QUEUED', started_at = NULL WHERE id = @id AND state = 'PROCESSING'").Bind("@id", id).Execute() == 1);

    /// <summary>After a crash: jobs left PROCESSING go back to the queue, or fail with a refund once they used
    /// <paramref name="maxAttempts"/> attempts. Returns the ids failed.</summary>
    public IReadOnlyList<string> RecoverInterrupted(int maxAttempts, TimeSpan retention)
    {
        long now = Now();
        return _database.Sqlite.Write((maxAttempts, now, expires: now + (long)retention.TotalMilliseconds), static (c, s) =>
        {
            var exhausted = new List<string>();
            var q = c.Prepare("SELECT id FROM jobs WHERE state = 'PROCESSING' AND attempts >= @max").Bind("@max", s.maxAttempts);
            try
            {
                while (q.Step())
                {
                    exhausted.Add(q.GetRequiredText(0));
                }
            }
            finally
            {
                q.Reset();
            }

            foreach (string id in exhausted)
            {
                Fail(c, id, $"The server stopped while running this request {s.maxAttempts} times; it was given up and refunded.", s.now, s.expires);
            }

            c.Prepare("UPDATE jobs SET state = 'QUEUED', started_at = NULL WHERE state = 'PROCESSING'").Execute();
            return exhausted;
        });
    }

    /// <summary>Every QUEUED job in submit order (to rebuild the in-memory queue at start).</summary>
    public IReadOnlyList<JobRecord> ListQueued() => _database.Sqlite.Read(static c => List(c.Prepare($"SELECT {Columns} FROM jobs WHERE state = 'QUEUED' ORDER BY seq")));

    /// <summary>Finished jobs whose webhook is still to be delivered.</summary>
    public IReadOnlyList<JobRecord> ListPendingWebhooks() =>
        _database.Sqlite.Read(static c => List(c.Prepare($"SELECT {Columns} FROM jobs WHERE webhook_state = 'pending' ORDER BY seq")));

    public void SetWebhookState(string id, string state, int attempts) => _database.Sqlite.Write((id, state, attempts), static (c, s) =>
        c.Prepare("UPDATE jobs SET webhook_state = @state, webhook_attempts = @attempts WHERE id = @id")
            .Bind("@state", s.state).Bind("@attempts", s.attempts).Bind("@id", s.id).Execute());

    /// <summary>Deletes jobs whose results expired; returns the output file names to delete.</summary>
    public IReadOnlyList<string> DeleteExpired()
    {
        long now = Now();
        return _database.Sqlite.Write(now, static (c, now) =>
        {
            var files = new List<string>();
            var q = c.Prepare("SELECT o.file FROM outputs o JOIN jobs j ON j.id = o.job_id WHERE j.expires_at <= @now").Bind("@now", now);
            try
            {
                while (q.Step())
                {
                    files.Add(q.GetRequiredText(0));
                }
            }
            finally
            {
                q.Reset();
            }

            c.Prepare("DELETE FROM outputs WHERE job_id IN (SELECT id FROM jobs WHERE expires_at <= @now)").Bind("@now", now).Execute();
            c.Prepare("DELETE FROM jobs WHERE expires_at <= @now").Bind("@now", now).Execute();
            return files;
        });
    }

    /// <summary>The output with <paramref name="token"/>, when its job has not expired: (file name, format).</summary>
    public (string File, string Format)? FindOutput(string token)
    {
        long now = Now();
        return _database.Sqlite.Read((token, now), static (c, s) =>
        {
            var q = c.Prepare("SELECT o.file, o.format FROM outputs o JOIN jobs j ON j.id = o.job_id WHERE o.token = @token AND j.expires_at > @now")
                .Bind("@token", s.token).Bind("@now", s.now);
            try
            {
                return q.Step() ? (q.GetRequiredText(0), q.GetRequiredText(1)) : ((string, string)?)null;
            }
            finally
            {
                q.Reset();
            }
        });
    }

    /// <summary>Every output file name still referenced (to remove files orphaned by a crash).</summary>
    public HashSet<string> ListOutputFiles() => _database.Sqlite.Read(static c =>
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var q = c.Prepare("SELECT file FROM outputs");
        try
        {
            while (q.Step())
            {
                set.Add(q.GetRequiredText(0));
            }
        }
        finally
        {
            q.Reset();
        }

        return set;
    });

    /// <summary>Jobs per state (for /metrics).</summary>
    public IReadOnlyDictionary<JobState, long> CountByState() => _database.Sqlite.Read(static c =>
    {
        var counts = new Dictionary<JobState, long> { [JobState.Queued] = 0, [JobState.Processing] = 0, [JobState.Completed] = 0, [JobState.Failed] = 0 };
        var q = c.Prepare("SELECT state, count(*) FROM jobs GROUP BY state");
        try
        {
            while (q.Step())
            {
                counts[JobStates.Parse(q.GetRequiredText(0))] = q.GetInt64(1);
            }
        }
        finally
        {
            q.Reset();
        }

        return counts;
    });

    private static bool Fail(SqliteConnection c, string id, string error, long now, long expires)
    {
        var q = c.Prepare("SELECT account_id, cost FROM jobs WHERE id = @id AND state IN ('QUEUED', 'PROCESSING') AND refunded = 0").Bind("@id", id);
        long account, cost;
        try
        {
            if (!q.Step())
            {
                return false;
            }

            (account, cost) = (q.GetInt64(0), q.GetInt64(1));
        }
        finally
        {
            q.Reset();
        }

        c.Prepare("""
            UPDATE jobs SET state = 'FAILED', finished_at = @now, expires_at = @expires, error = @error, refunded = 1,
                webhook_state = CASE WHEN webhook_url IS NULL THEN NULL ELSE 'pending' END
            WHERE id = @id
            """).Bind("@now", now).Bind("@expires", expires).Bind("@error", error).Bind("@id", id).Execute();
        CreditLedger.Credit(c, account, cost);
        return true;
    }

    private static JobRecord? Get(SqliteConnection c, string id)
    {
        var s = c.Prepare($"SELECT {Columns} FROM jobs WHERE id = @id").Bind("@id", id);
        try
        {
            return s.Step() ? ReadJob(s) : null;
        }
        finally
        {
            s.Reset();
        }
    }

    private static List<JobRecord> List(SqliteStatement s)
    {
        var list = new List<JobRecord>();
        try
        {
            while (s.Step())
            {
                list.Add(ReadJob(s));
            }
        }
        finally
        {
            s.Reset();
        }

        return list;
    }

    private static JobRecord ReadJob(SqliteStatement s)
    {
        string? result = s.GetText(17);
        return new JobRecord
        {
            Sequence = s.GetInt64(0),
            Id = s.GetRequiredText(1),
            AccountId = s.GetInt64(2),
            KeyId = s.GetRequiredText(3),
            Endpoint = s.GetRequiredText(4),
            Model = s.GetRequiredText(5),
            Parameters = JsonSerializer.Deserialize(s.GetRequiredText(6), StoreJsonContext.Default.JobParameters)!,
            State = JobStates.Parse(s.GetRequiredText(7)),
            CostMicro = s.GetInt64(8),
            Refunded = s.GetInt64(9) != 0,
            Attempts = (int)s.GetInt64(10),
            Sync = s.GetInt64(11) != 0,
            CreatedAt = s.GetInt64(12),
            StartedAt = s.GetNullableInt64(13),
            FinishedAt = s.GetNullableInt64(14),
            ExpiresAt = s.GetNullableInt64(15),
            Error = s.GetText(16),
            Result = result is null ? null : JsonSerializer.Deserialize(result, StoreJsonContext.Default.JobResult),
            BaseUrl = s.GetRequiredText(18),
            WebhookUrl = s.GetText(19),
            WebhookState = s.GetText(20),
            WebhookAttempts = (int)s.GetInt64(21),
        };
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
