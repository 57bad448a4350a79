using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Storage;

/// <summary>
/// Deletes every row of one org's partition, 100 per transaction; safe to run again after an interruption
/// or alongside another deletion (each pass deletes whatever is left). Returns how many rows it deleted.
/// </summary>
internal static class PartitionDeletion
{
    private const int MaxBatch = 100;

    public static async Task<int> DeleteOrgPartitionAsync(this TableClient table, OrgId orgId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        var deleted = 0;
        while (true)
        {
            var keys = new List<ITableEntity>(MaxBatch);
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: MaxBatch, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                keys.Add(row);
                if (keys.Count == MaxBatch)
                {
                    break;
                }
            }

            if (keys.Count == 0)
            {
                return deleted;
            }

            try
            {
                await table.SubmitTransactionAsync(keys.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, k, ETag.All)), cancellationToken).ConfigureAwait(false);
                deleted += keys.Count;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // A concurrent deletion removed one of them first; the next pass picks up the rest.
            }
        }
    }
}
