using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Http;
using AgentFunctions.Jobs;
using AgentFunctions.Middleware;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions;

/// <summary>Queued agent runs (docs/api.md, "Jobs"): submit, poll, and the queue workers.</summary>
internal sealed partial class JobFunctions(JobService jobs, IDeadLetters deadLetters, ILogger<JobFunctions> logger)
{
    [Function(nameof(SubmitJob))]
    public async Task<IActionResult> SubmitJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "jobs")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<AgentRunRequest>(request, cancellationToken).ConfigureAwait(false);
        var job = await jobs.SubmitAsync(context.GetOrgId(), body, cancellationToken).ConfigureAwait(false);
        var statusUrl = $"/api/jobs/{job.JobId}";
        return new AcceptedResult(statusUrl, new JobAccepted(job.JobId, job.Status, statusUrl));
    }

    [Function(nameof(GetJob))]
    public async Task<IActionResult> GetJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs/{jobId}")] HttpRequest request,
        string jobId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        // ?wait=N: an unfinished job is waited for up to N seconds, so a client needs one request where it would poll.
        var wait = TimeSpan.FromSeconds(QueryWholeNumber.Parse(request, "wait", 0, 0, JobService.MaxWaitSeconds));
        return new OkObjectResult(JobView.From(await jobs.GetAsync(context.GetOrgId(), jobId, wait, cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>
    /// The org comes from the message through the org middleware (a message without a valid org never
    /// gets here). A failed attempt throws, so the host redelivers and finally poisons the message.
    /// </summary>
    [Function(nameof(ProcessJob))]
    public async Task ProcessJob(
        [QueueTrigger(StorageJobQueue.Name, Connection = "AzureWebJobsStorage")] string message,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        if (!StorageJobQueue.TryReadJobId(message, out var jobId))
        {
            LogBadJobId(logger, context.GetOrgId().Value, StorageJobQueue.Name);
            await deadLetters.MoveAsync(StorageJobQueue.Name, message, cancellationToken).ConfigureAwait(false);
            return;
        }

        await jobs.ProcessAsync(context.GetOrgId(), jobId, ReadDelivery(context.BindingContext.BindingData), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The host moved a job's message here after its last attempt: the job is marked failed. It runs
    /// without the org middleware on purpose: the org may have been disabled since the job was queued
    /// (the middleware refuses disabled orgs), and marking that org's own job failed is the one thing
    /// still done for it, so no job stays <c>queued</c> forever. The org is read from the message
    /// with the same format rules; the job is only ever looked up in that org's partition, and a
    /// missing job (another org's id, a deleted org) is a no-op. A message naming no valid org and job
    /// moves on to <c>agent-jobs-poison-poison</c>, an archive no function reads (so nothing loops).
    /// </summary>
    [Function(nameof(FailPoisonedJob))]
    [WithoutOrg]
    public async Task FailPoisonedJob(
        [QueueTrigger(StorageJobQueue.PoisonName, Connection = "AzureWebJobsStorage")] string message,
        CancellationToken cancellationToken)
    {
        if (!QueueMessageOrg.TryRead(message, out var orgId) || !StorageJobQueue.TryReadJobId(message, out var jobId))
        {
            LogUnreadablePoisonMessage(logger, StorageJobQueue.PoisonName);
            await deadLetters.MoveAsync(StorageJobQueue.PoisonName, message, cancellationToken).ConfigureAwait(false);
            return;
        }

        await jobs.FailPoisonedAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message id (stable across redeliveries) and dequeue count from the trigger metadata.</summary>
    internal static JobDelivery ReadDelivery(IReadOnlyDictionary<string, object?> bindingData)
    {
        var id = bindingData.TryGetValue("Id", out var rawId) ? Unquote(rawId?.ToString()) : null;
        var count = bindingData.TryGetValue("DequeueCount", out var rawCount) ? rawCount switch
        {
            long value => value,
            int value => value,
            string text when long.TryParse(Unquote(text), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => 1,
        } : 1;
        return new JobDelivery(string.IsNullOrEmpty(id) ? null : id, count);
    }

    private static string? Unquote(string? text) =>
        text is { Length: >= 2 } && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "A message for org {OrgId} on queue {QueueName} has no valid jobId; it is not processed")]
    private static partial void LogBadJobId(ILogger logger, string orgId, string queueName);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "A message on {QueueName} names no valid org and job; it was moved to the archive queue unprocessed")]
    private static partial void LogUnreadablePoisonMessage(ILogger logger, string queueName);
}
