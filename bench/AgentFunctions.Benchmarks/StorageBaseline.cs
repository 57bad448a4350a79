using System.Diagnostics;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks;

/// <summary>Sanity baseline: single upserts per second on this machine's Azurite.</summary>
internal static class StorageBaseline
{
    public static async Task RunAsync(string[] args)
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var table = new TableClient(azurite.ConnectionString, "Baseline");
            await table.CreateIfNotExistsAsync();
            const int count = 500;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                await table.UpsertEntityAsync(new TableEntity("p", i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));
            }

            Console.WriteLine($"single upserts: {count / watch.Elapsed.TotalSeconds:F0}/s");
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }
}
