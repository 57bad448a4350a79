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

    public async Task<JobRecord> CreateAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        var response = await table.AddEntityAsync(JobEntity.ToEntity(job), cancellationToken).ConfigureAwait(false);
        return job with { ETag = response.Headers.ETag ?? default };
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

    /// <summary>Deletes every job of the org (offboarding), 100 per transaction; safe to call again.</summary>
    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(JobEntity.TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }
}
