using System.Text.Json.Serialization;

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
