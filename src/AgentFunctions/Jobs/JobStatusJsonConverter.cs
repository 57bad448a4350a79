using System.Text.Json.Serialization;

namespace AgentFunctions.Jobs;

/// <summary>camelCase status names (<c>"queued"</c>) whichever serializer writes the response.</summary>
internal sealed class JobStatusJsonConverter() : JsonStringEnumConverter<JobStatus>(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false);
