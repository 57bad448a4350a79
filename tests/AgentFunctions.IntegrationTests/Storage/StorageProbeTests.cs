using AgentFunctions.Storage;
using AgentFunctions.Testing;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentFunctions.IntegrationTests.Storage;

public sealed class StorageProbeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CheckAsync_ManyProbesWithinLifetime_TwoStorageCallsInAll()
    {
        var counter = new CountingPolicy();
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var queueOptions = new QueueClientOptions();
        queueOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var probe = new StorageProbe(new TableServiceClient(azurite.ConnectionString, tableOptions), new QueueServiceClient(azurite.ConnectionString, queueOptions), TimeProvider.System);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => probe.CheckAsync()));
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await probe.CheckAsync());
        }

        Assert.All(results, Assert.Null);
        Assert.Equal(2, counter.Requests);
        await Task.Delay(StorageProbe.ResultLifetime + TimeSpan.FromMilliseconds(200));
        Assert.Null(await probe.CheckAsync());
        Assert.Equal(4, counter.Requests);
    }

    [Fact]
    public async Task CheckAsync_StorageRefusingConnections_ReturnsTheFailure()
    {
        using var refused = new RefusedPort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{refused.Port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{refused.Port}/devstoreaccount1;";
        var noRetries = new TableClientOptions { Retry = { MaxRetries = 0 } };
        var probe = new StorageProbe(new TableServiceClient(connection, noRetries), new QueueServiceClient(connection, new QueueClientOptions { Retry = { MaxRetries = 0 } }), TimeProvider.System);

        Assert.NotNull(await probe.CheckAsync());
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _requests);
    }
}
