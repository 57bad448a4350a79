using System.Text.Json;
using AgentFunctions.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Jobs;

/// <summary>
/// The <c>agent-jobs</c> storage queue. The host moves a message to <c>agent-jobs-poison</c> after
/// <c>maxDequeueCount</c> failed attempts (host.json); messages are raw JSON text (<c>messageEncoding: none</c>).
/// </summary>
internal sealed class StorageJobQueue(QueueProvider queues) : IJobDispatcher
{
    public const string Name = "agent-jobs";
    public const string PoisonName = Name + "-poison";

    public async Task EnqueueAsync(OrgId orgId, string jobId, CancellationToken cancellationToken)
    {
        var queue = await queues.GetAsync(Name, cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(Serialize(orgId, jobId), cancellationToken).ConfigureAwait(false);
    }

    public static string Serialize(OrgId orgId, string jobId) =>
        JsonSerializer.Serialize(new JobMessage(orgId.Value, jobId), ApiJson.Options);

    /// <summary>The job id of a message, if it has one in the job id format (the org is resolved by the middleware).</summary>
    public static bool TryReadJobId(string message, out string jobId)
    {
        jobId = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(message);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("jobId", out var id)
                && id.ValueKind == JsonValueKind.String
                && Identifiers.IsResourceId(id.GetString()))
            {
                jobId = id.GetString()!;
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
