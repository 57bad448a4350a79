using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// The storage round trips one job needs, done directly against Azurite with nothing else around
/// them: submit (row insert, queue send), worker (batched receive, row read, claim update,
/// conversation window query, turn transaction of head + 2 messages, completion update, message
/// delete) and one status read. The same pipeline shape as the app: a producer and a consumer
/// with the host's concurrency running at the same time.
/// </summary>
internal static class JobsRawOperations
{
    public static async Task<(TimeSpan Elapsed, IReadOnlyDictionary<string, (int Count, TimeSpan Total)> Operations)> RunAsync(
        string connectionString, int jobs, int submitConcurrency, int workerConcurrency, int batchSize)
    {
        var tables = new TableServiceClient(connectionString);
        var jobsTable = tables.GetTableClient("RawJobs");
        var conversations = tables.GetTableClient("RawConversations");
        await jobsTable.CreateIfNotExistsAsync();
        await conversations.CreateIfNotExistsAsync();
        var queue = new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }).GetQueueClient("raw-jobs");
        await queue.CreateIfNotExistsAsync();
        var timings = new ConcurrentDictionary<string, (int Count, long Ticks)>();
        async Task<T> Timed<T>(string name, Func<Task<T>> operation)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await operation();
            var elapsed = Stopwatch.GetElapsedTime(started).Ticks;
            timings.AddOrUpdate(name, (1, elapsed), (_, t) => (t.Count + 1, t.Ticks + elapsed));
            return result;
        }

        var watch = Stopwatch.StartNew();
        var done = 0;
        var producer = Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = submitConcurrency }, async (i, _) =>
        {
            var org = $"org{i % 4}";
            var jobId = Guid.NewGuid().ToString("N");
            await Timed("table: insert job", () => jobsTable.AddEntityAsync(new TableEntity(org, jobId) { ["Status"] = "queued", ["Input"] = "question " + i, ["Attempts"] = 0 }));
            await Timed("queue: send", () => queue.SendMessageAsync($$"""{"orgId":"{{org}}","jobId":"{{jobId}}"}"""));
        });

        using var slots = new SemaphoreSlim(workerConcurrency);
        var running = new List<Task>();
        while (Volatile.Read(ref done) < jobs)
        {
            var batch = await Timed("queue: receive (batch)", () => queue.ReceiveMessagesAsync(batchSize, TimeSpan.FromMinutes(2)));
            if (batch.Value.Length == 0)
            {
                await Task.Delay(10);
                continue;
            }

            foreach (var message in batch.Value)
            {
                await slots.WaitAsync();
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        var body = System.Text.Json.JsonDocument.Parse(message.Body.ToString()).RootElement;
                        var org = body.GetProperty("orgId").GetString()!;
                        var jobId = body.GetProperty("jobId").GetString()!;
                        var job = (await Timed("table: read job", () => jobsTable.GetEntityAsync<TableEntity>(org, jobId))).Value;
                        job["Status"] = "running";
                        job["Attempts"] = 1;
                        var claimed = await Timed("table: claim (If-Match)", () => jobsTable.UpdateEntityAsync(job, job.ETag, TableUpdateMode.Replace));
                        var window = TableClient.CreateQueryFilter($"PartitionKey eq {org} and RowKey ge {jobId} and RowKey lt {jobId + "~"}");
                        await Timed("table: conversation window query", async () => await conversations.QueryAsync<TableEntity>(window, maxPerPage: 20).AsPages().FirstAsync());
                        await Timed("table: turn transaction (3 entities)", () => conversations.SubmitTransactionAsync(
                        [
                            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(org, jobId) { ["Count"] = 2 }),
                            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(org, jobId + "|1") { ["Content"] = "question" }),
                            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(org, jobId + "|0") { ["Content"] = "answer" }),
                        ]));
                        job["Status"] = "succeeded";
                        job["Output0"] = "answer";
                        await Timed("table: complete (If-Match)", () => jobsTable.UpdateEntityAsync(job, claimed.Headers.ETag!.Value, TableUpdateMode.Replace));
                        await Timed("queue: delete", () => queue.DeleteMessageAsync(message.MessageId, message.PopReceipt));
                        await Timed("table: status read", () => jobsTable.GetEntityAsync<TableEntity>(org, jobId));
                        Interlocked.Increment(ref done);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }));
            }
        }

        await producer;
        await Task.WhenAll(running);
        watch.Stop();
        return (watch.Elapsed, timings.ToDictionary(p => p.Key, p => (p.Value.Count, TimeSpan.FromTicks(p.Value.Ticks))));
    }
}
