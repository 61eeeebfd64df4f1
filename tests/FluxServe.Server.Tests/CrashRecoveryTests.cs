using System.Net.Http.Json;
using System.Text.Json;
using FluxServe.Server.Accounts;
using FluxServe.Server.Jobs;
using FluxServe.Server.Storage;
using FluxServe.Server.Tests.Infrastructure;

namespace FluxServe.Server.Tests;

/// <summary>kill -9 of the server mid-job, then a restart on the same SQLite file: nothing accepted is lost.</summary>
public sealed class CrashRecoveryTests
{
    [Theory]
    [InlineData(3, "COMPLETED")]
    [InlineData(1, "FAILED")]
    public async Task Killed_server_restarts_and_every_job_completes_or_fails_with_refund(int maxAttempts, string interruptedEnds)
    {
        string data = TemporaryFolder.Create();
        try
        {
            string key;
            using (var database = ServerDatabase.Open(data, TimeSpan.FromSeconds(5)))
            {
                key = new AccountStore(database, TimeProvider.System).CreateKey("crash", Credits.ToMicro(1), null).Key;
            }

            string[] settings = ["--Jobs:MaxAttempts", maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            var ids = new List<string>();
            using (var first = await ServerProcess.StartAsync(data, 400, settings))
            {
                using var http = first.Client(key);
                foreach (int width in (int[])[128, 192, 256])
                {
                    var answer = await (await http.PostAsync("/v2/flux-schnell", TestServer.Json($$"""{"prompt":"x","width":{{width}},"height":128,"steps":8}"""))).Content.ReadFromJsonAsync<JsonElement>();
                    ids.Add(answer.GetProperty("request_id").GetString()!);
                }

                // Wait until the first job is mid-run, then crash.
                while (true)
                {
                    var status = await http.GetFromJsonAsync<JsonElement>($"/v2/requests/{ids[0]}/status");
                    if (status.GetProperty("status").GetString() == "PROCESSING" && status.TryGetProperty("progress", out var p) && p.GetProperty("step").GetInt32() >= 1)
                    {
                        break;
                    }

                    await Task.Delay(20);
                }

                first.KillHard();
            }

            using (var second = await ServerProcess.StartAsync(data, 5, settings))
            {
                using var http = second.Client(key);
                var ends = new List<string>();
                foreach (string id in ids)
                {
                    ends.Add((await TestServer.WaitFinishedAsync(http, id)).GetProperty("status").GetString()!);
                }

                Assert.Equal([interruptedEnds, "COMPLETED", "COMPLETED"], ends);
                if (interruptedEnds == "FAILED")
                {
                    using var failed = await http.GetAsync($"/v2/requests/{ids[0]}");
                    Assert.Contains("refunded", (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
                }

                using var last = await http.GetAsync($"/v2/requests/{ids[2]}");
                decimal expected = 1m - (0.003m * ends.Count(e => e == "COMPLETED"));
                Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), last.Headers.GetValues("x-remaining-credits").Single());
                second.KillHard();
            }

            using (var database = ServerDatabase.Open(data, TimeSpan.FromSeconds(5)))
            {
                var store = new JobStore(database, TimeProvider.System);
                Assert.Equal(maxAttempts == 1 ? 1 : 2, store.Get(ids[0])!.Attempts);
                Assert.Equal(1, store.Get(ids[2])!.Attempts);
            }
        }
        finally
        {
            TemporaryFolder.Delete(data);
        }
    }
}
