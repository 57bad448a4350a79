using AgentFunctions.Errors;
using AgentFunctions.Knowledge;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>
/// The index is created on first use and in the background, never at start: while the search service refuses (the
/// app's roles still propagating on a first deployment), knowledge calls answer 503 and the next use tries again.
/// </summary>
public sealed class AzureSearchIndexTests(AzureSearchTestServer server) : IClassFixture<AzureSearchTestServer>
{
    [Fact]
    public async Task EnsureAsync_ServiceRefusesOnce_Throws503ThenCreatesItOnTheNextUse()
    {
        using var index = new AzureSearchIndex(server.CreateClient(), "lazy-index", 8);
        server.RefuseIndexCreation(1);

        var refused = await Assert.ThrowsAsync<ApiException>(() => index.EnsureAsync(CancellationToken.None));
        var statusAfterRefusal = index.Status;
        var definitionsBefore = server.IndexDefinitions.Count;
        await index.EnsureAsync(CancellationToken.None);

        Assert.Equal((503, ErrorCodes.KnowledgeUnavailable), (refused.Status, refused.Code));
        Assert.Equal(SearchIndexStatus.Failed, statusAfterRefusal);
        Assert.Equal(SearchIndexStatus.Ready, index.Status);
        Assert.Equal(definitionsBefore + 1, server.IndexDefinitions.Count);
    }

    [Fact]
    public async Task EnsureAsync_Ready_SendsNothingMore()
    {
        using var index = new AzureSearchIndex(server.CreateClient(), "ready-index", 8);
        await index.EnsureAsync(CancellationToken.None);
        var definitions = server.IndexDefinitions.Count;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => index.EnsureAsync(CancellationToken.None)));

        Assert.Equal(definitions, server.IndexDefinitions.Count);
    }

    [Fact]
    public async Task WarmUp_ServiceRefusing_StartReturnsAndRetriesInTheBackgroundUntilReady()
    {
        using var index = new AzureSearchIndex(server.CreateClient(), "warm-index", 8);
        server.RefuseIndexCreation(int.MaxValue);
        using var warmUp = new AzureSearchIndexWarmUp(index) { FirstDelay = TimeSpan.FromMilliseconds(20) };

        await warmUp.StartAsync(CancellationToken.None); // start-up never waits for the index
        var runningWhileRefused = !warmUp.ExecuteTask!.IsCompleted;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (index.Status != SearchIndexStatus.Failed)
        {
            await Task.Delay(10, deadline.Token);
        }

        server.RefuseIndexCreation(0);
        await warmUp.ExecuteTask.WaitAsync(TimeSpan.FromSeconds(30));
        await warmUp.StopAsync(CancellationToken.None);

        Assert.True(runningWhileRefused);
        Assert.Equal(SearchIndexStatus.Ready, index.Status);
    }
}
