using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.DataStore;
using AgentFunctions.Hosting;
using AgentFunctions.Memory;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// <c>GET /api/export</c>'s writer (<see cref="OrgExport"/>, the app's own registrations) on Azurite: an org with
/// <c>small</c> data records next to one with <c>large</c> (default 10,000 and 100,000), each exported to a stream that
/// counts bytes and samples the managed heap after every write. Reports records/s and the peak heap above the heap
/// before the export, and the ratio of the two orgs' peaks (memory that does not grow with the org stays near 1).
/// Usage: ... -- export [small=10000] [large=100000]
/// </summary>
internal static class ExportBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var small = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var large = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["MULTITENANCY_ENABLED"] = "true",
            }).Build();
            var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
            services.AddAgentFunctions(configuration);
            await using var app = services.BuildServiceProvider();
            var registry = app.GetRequiredService<IOrgRegistry>();
            var data = app.GetRequiredService<DataRecordStore>();
            var export = app.GetRequiredService<OrgExport>();

            Console.WriteLine($"export (OrgExport on Azurite, data records of ~200 bytes), {small} vs {large} records");
            var results = new List<(int Records, double PerSecond, long PeakBytes)>();
            foreach (var count in new[] { small, large })
            {
                var orgId = OrgId.Parse($"bench-export-{count}");
                await registry.PutAsync(orgId, new OrgPutRequest("Bench", null, null, null, null).Validate(), default);
                var seeded = Stopwatch.StartNew();
                await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                {
                    using var value = JsonDocument.Parse($$"""{"n":{{i}},"text":"{{new string('x', 160)}}"}""");
                    await data.PutAsync(orgId, "items", $"r{i:D7}", value.RootElement, DataPrecondition.None, ct);
                });
                Console.WriteLine($"  seeded {count} records in {seeded.Elapsed.TotalSeconds:F0} s");

                var org = await export.FindAsync(orgId, default);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var before = GC.GetTotalMemory(forceFullCollection: true);
                await using var sink = new SamplingStream();
                var clock = Stopwatch.StartNew();
                var lines = await export.WriteAsync(org, sink, default);
                clock.Stop();
                var peak = sink.PeakHeap - before;
                results.Add((count, lines / clock.Elapsed.TotalSeconds, peak));
                Console.WriteLine($"  {count} records: {lines} lines, {sink.Length / 1024 / 1024} MiB in {clock.Elapsed.TotalSeconds:F1} s = {lines / clock.Elapsed.TotalSeconds:F0} records/s; peak managed heap above the start {peak / 1024.0 / 1024.0:F1} MiB");
            }

            Console.WriteLine($"  peak heap ratio {results[1].Records / results[0].Records}x records: {(double)results[1].PeakBytes / Math.Max(1, results[0].PeakBytes):F2}; records/s ratio: {results[1].PerSecond / results[0].PerSecond:F2}");
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    /// <summary>Discards what is written, counting it and sampling the managed heap (without collecting) at each write.</summary>
    private sealed class SamplingStream : Stream
    {
        public long PeakHeap { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Position;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Sample(count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Sample(buffer.Length);
            return ValueTask.CompletedTask;
        }

        private void Sample(int count)
        {
            Position += count;
            PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(forceFullCollection: false));
        }
    }
}
