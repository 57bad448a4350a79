using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFunctions.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The <c>knowledge-ingestion</c> queue: one message <c>{"orgId", "documentId", "uploadId"}</c> per staged upload
/// (raw JSON text); the host moves it to <c>knowledge-ingestion-poison</c> after <c>maxDequeueCount</c> failed attempts.
/// </summary>
internal sealed class DocumentIngestionQueue(QueueProvider queues)
{
    public const string Name = "knowledge-ingestion";
    public const string PoisonName = Name + "-poison";

    public async Task EnqueueAsync(OrgId orgId, string documentId, string uploadId, CancellationToken cancellationToken)
    {
        var queue = await queues.GetAsync(Name, cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(JsonSerializer.Serialize(new IngestionMessage(orgId.Value, documentId, uploadId), ApiJson.Options), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The document and upload a message names, when both are in the resource id format (the org is the middleware's).</summary>
    public static bool TryRead(string message, out string documentId, out string uploadId)
    {
        documentId = uploadId = string.Empty;
        try
        {
            var read = JsonSerializer.Deserialize<IngestionMessage>(message, ApiJson.Options);
            if (read is null || !Identifiers.IsResourceId(read.DocumentId) || !Identifiers.IsResourceId(read.UploadId))
            {
                return false;
            }

            (documentId, uploadId) = (read.DocumentId, read.UploadId);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed record IngestionMessage(
        [property: JsonPropertyName("orgId")] string? OrgId,
        [property: JsonPropertyName("documentId")] string? DocumentId,
        [property: JsonPropertyName("uploadId")] string? UploadId);
}
