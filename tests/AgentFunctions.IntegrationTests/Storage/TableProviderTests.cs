using AgentFunctions.Storage;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.IntegrationTests.Storage;

public sealed class TableProviderTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GetAsync_NewTable_CreatesItOnce()
    {
        var service = new TableServiceClient(azurite.ConnectionString);
        var provider = new TableProvider(service);

        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provider.GetAsync("CreatedOnce")));

        Assert.All(clients, c => Assert.Same(clients[0], c));
        var tables = new List<string>();
        await foreach (var table in service.QueryAsync(t => t.Name == "CreatedOnce"))
        {
            tables.Add(table.Name);
        }

        Assert.Equal(["CreatedOnce"], tables);
    }
}
