using System.Text.Json.Serialization;
using AgentFunctions.Agents;

namespace AgentFunctions.Jobs;

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
