using System.Text.Json.Serialization;
using AgentFunctions.Agents;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Jobs;

/// <summary>Where a job is in its life; <see cref="Succeeded"/> and <see cref="Failed"/> are final.</summary>
[JsonConverter(typeof(JobStatusJsonConverter))]
internal enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>camelCase status names (<c>"queued"</c>) whichever serializer writes the response.</summary>
internal sealed class JobStatusJsonConverter() : JsonStringEnumConverter<JobStatus>(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false);

/// <summary>
/// One queued agent run, as stored in the <c>Jobs</c> table (see <see cref="JobEntity"/> for the
/// schema). <see cref="ClaimMessageId"/>/<see cref="ClaimDequeueCount"/> say which queue delivery
/// holds the running claim, so a redelivery of that same message can take over at once.
/// </summary>
internal sealed record JobRecord(
    OrgId OrgId,
    string JobId,
    JobStatus Status,
    string Input,
    string ConversationId,
    int Attempts,
    DateTimeOffset CreatedAt,
    string? Output = null,
    string? Error = null,
    AgentUsage? Usage = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? CompletedAt = null,
    string? ClaimMessageId = null,
    long ClaimDequeueCount = 0,
    Azure.ETag ETag = default,
    string? Principal = null)
{
    /// <summary>The agent that runs the job (null: <c>default</c>).</summary>
    public string? Agent { get; init; }

    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed;
}

/// <summary>Which queue delivery is processing a job: the message id (stable across redeliveries) and its dequeue count.</summary>
internal sealed record JobDelivery(string? MessageId, long DequeueCount);

/// <summary>The body of the queue message: only what routes it; the worker reads the rest from the job row.</summary>
internal sealed record JobMessage(
    [property: JsonPropertyName("orgId")] string OrgId,
    [property: JsonPropertyName("jobId")] string JobId);

/// <summary>The response of <c>GET /api/jobs/{jobId}</c> (docs/api.md, "Jobs"); absent values are left out, whichever serializer writes it.</summary>
internal sealed record JobView(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("status")] JobStatus Status,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("output"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Output,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AgentUsage? Usage,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("startedAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("completedAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CompletedAt)
{
    public static JobView From(JobRecord job) =>
        new(job.JobId, job.Status, job.ConversationId, job.Output, job.Error, job.Attempts, job.Usage, job.CreatedAt, job.StartedAt, job.CompletedAt);
}

/// <summary>The response of <c>POST /api/jobs</c>.</summary>
internal sealed record JobAccepted(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("status")] JobStatus Status,
    [property: JsonPropertyName("statusUrl")] string StatusUrl);
