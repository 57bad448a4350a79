using System.Runtime.CompilerServices;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Jobs;

/// <summary>
/// Job rows in Table Storage, one partition per org. Every method takes the org; a job of another
/// org is exactly as invisible as a missing one. Updates are conditional on the row's ETag.
/// </summary>
internal sealed class JobStore(TableProvider tables) : IOrgDataOwner
{
    /// <summary>Offboarding removes every job row of the org; queued messages of a deleted org find no job and do nothing.</summary>
    public string Area => "jobs";

    /// <summary>Inserts a new job (its id freshly generated); an insert whose answer was lost and whose retry conflicts is this one.</summary>
    public async Task<JobRecord> CreateAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.AddEntityAsync(JobEntity.ToEntity(job), cancellationToken).ConfigureAwait(false);
            return job with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The id was just generated, so the row that exists is this insert's: it reached storage, its answer was lost
            // and the client's retry met it. Go on with the stored row (its ETag), or the job would never be queued.
            return await GetAsync(job.OrgId, job.JobId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Job {job.JobId} conflicted on insert but is not stored.");
        }
    }

    /// <summary>The job, or null when this org has no job with that id.</summary>
    public async Task<JobRecord?> GetAsync(OrgId orgId, string jobId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? JobEntity.FromEntity(orgId, response.Value!) : null;
    }

    /// <summary>
    /// Replaces the row if it still has <paramref name="job"/>'s ETag; returns the job with its new
    /// ETag, or null when someone else changed (or deleted) it first.
    /// </summary>
    public async Task<JobRecord?> TryReplaceAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.UpdateEntityAsync(JobEntity.ToEntity(job), job.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return job with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>Every job of the org, streamed page by page (export).</summary>
    public async IAsyncEnumerable<JobRecord> ReadAllAsync(OrgId orgId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), maxPerPage: 100, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return JobEntity.FromEntity(orgId, row);
        }
    }

    /// <summary>
    /// One step of the retention sweep: one page of at most <paramref name="max"/> (≤ 100) finished jobs of the org
    /// completed at or before <paramref name="completedBy"/>, from <paramref name="continuation"/> (a previous step's
    /// <see cref="SweepStep.Next"/>), deleted in one transaction under each row's ETag. A page that raced another
    /// delete is deleted row by row, skipping what is gone.
    /// </summary>
    public async Task<SweepStep> DeleteFinishedAsync(OrgId orgId, DateTimeOffset completedBy, string? continuation, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, 100);
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {orgId.Value} and CompletedAt le {completedBy} and (Status eq {nameof(JobStatus.Succeeded)} or Status eq {nameof(JobStatus.Failed)})");
        var pages = table.QueryAsync<TableEntity>(filter, maxPerPage: max, select: ["RowKey", "CompletedAt", "Status"], cancellationToken: cancellationToken)
            .AsPages(continuation, max);
        await foreach (var page in pages.ConfigureAwait(false))
        {
            var rows = page.Values;
            var deleted = rows.Count;
            if (rows.Count > 0)
            {
                try
                {
                    await table.SubmitTransactionAsync(
                        rows.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(orgId.Value, row.RowKey), row.ETag)),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException failed) when (failed.Status is 404 or 412)
                {
                    deleted = 0;
                    foreach (var row in rows)
                    {
                        deleted += await TryDeleteAsync(table, orgId, row, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    }
                }
            }

            return new SweepStep(deleted, page.ContinuationToken);
        }

        return new SweepStep(0, null);
    }

    private static async Task<bool> TryDeleteAsync(TableClient table, OrgId orgId, TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(orgId.Value, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or changed since the page was read (then it is looked at again on the next sweep).
            return false;
        }
    }

    /// <summary>Deletes every job of the org (offboarding), 100 per transaction; safe to call again.</summary>
    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }
}
