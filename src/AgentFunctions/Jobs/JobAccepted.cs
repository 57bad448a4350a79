using System.Text.Json.Serialization;

namespace AgentFunctions.Jobs;

/// <summary>The response of <c>POST /api/jobs</c>.</summary>
internal sealed record JobAccepted(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("status")] JobStatus Status,
    [property: JsonPropertyName("statusUrl")] string StatusUrl);
