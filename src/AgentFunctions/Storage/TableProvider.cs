using Azure.Data.Tables;

namespace AgentFunctions.Storage;

/// <summary>Hands out table clients, creating each table once per process on first use.</summary>
internal sealed class TableProvider(TableServiceClient service)
{
    private readonly CreateOnce<TableClient> _tables = new(async name =>
    {
        var table = service.GetTableClient(name);
        await table.CreateIfNotExistsAsync().ConfigureAwait(false);
        return table;
    });

    public Task<TableClient> GetAsync(string tableName, CancellationToken cancellationToken = default) =>
        _tables.GetAsync(tableName, cancellationToken);
}
