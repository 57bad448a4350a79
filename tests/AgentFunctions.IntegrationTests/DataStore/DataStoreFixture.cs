using System.Text.Json;
using AgentFunctions.DataStore;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.IntegrationTests.DataStore;

/// <summary>One Azurite for the data store tests; each test works in orgs of its own.</summary>
public sealed class DataStoreFixture : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();

    public string ConnectionString => _azurite.ConnectionString;

    internal DataRecordStore Store { get; private set; } = null!;

    public TableClient Table { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        var service = new TableServiceClient(_azurite.ConnectionString);
        Store = new DataRecordStore(new TableProvider(service), NullLogger<DataRecordStore>.Instance);
        Table = service.GetTableClient(DataRecordStore.TableName);
        await Table.CreateIfNotExistsAsync();
    }

    public Task DisposeAsync() => _azurite.DisposeAsync();

    internal static OrgId NewOrg() => OrgId.Parse($"org-{Guid.NewGuid():N}");

    public static JsonElement JsonOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Every row of the org's partition, read straight from the table.</summary>
    internal async Task<List<TableEntity>> RowsAsync(OrgId orgId)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}")))
        {
            rows.Add(row);
        }

        return rows;
    }
}

[CollectionDefinition(Name)]
public sealed class DataStoreTestGroup : ICollectionFixture<DataStoreFixture>
{
    public const string Name = "DataStore";
}
