using System.Text.Json.Serialization;

namespace AgentFunctions.Jobs;

/// <summary>The body of the queue message: only what routes it; the worker reads the rest from the job row.</summary>
internal sealed record JobMessage(
    [property: JsonPropertyName("orgId")] string OrgId,
    [property: JsonPropertyName("jobId")] string JobId);
