using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure.Data.Tables;

namespace AgentFunctions.Memory;

/// <summary>
/// The retention sweep's checkpoint: table <c>Lifecycle</c>, PartitionKey <c>retention-sweep</c>, RowKey <c>cursor</c>,
/// properties <c>OrgId</c>, <c>Phase</c>, <c>Position</c>. Written after every step, so a crashed or stopped run
/// resumes at the step after the last one it finished; deleted when a run has gone through every org.
/// Changing this scheme is a breaking change (a stored cursor would be misread; deleting the row is safe).
/// </summary>
internal sealed class SweepCursor(TableProvider tables)
{
    public const string TableName = "Lifecycle";
    private const string Partition = "retention-sweep";
    private const string Row = "cursor";

    public async Task<SweepPosition?> ReadAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue
            && OrgId.TryParse(row.Value!.GetString("OrgId"), out var orgId)
            && Enum.TryParse<SweepPhase>(row.Value.GetString("Phase"), out var phase)
            ? new SweepPosition(orgId, phase, row.Value.GetString("Position"))
            : null;
    }

    public async Task SaveAsync(SweepPosition position, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(Partition, Row)
        {
            ["OrgId"] = position.OrgId.Value,
            ["Phase"] = position.Phase.ToString(),
            ["Position"] = position.Position,
        };
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteEntityAsync(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
