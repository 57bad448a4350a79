using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Storage.Blobs.Models;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Large uploads waiting for background ingestion: container <c>knowledge-uploads</c>, blob
/// <c>{orgId}/{documentId}/{uploadId}</c> (every part in its strict format, so one org's prefix never covers another's).
/// A blob lives from the PUT until its ingestion ends either way; offboarding deletes the org's prefix.
/// </summary>
internal sealed class DocumentUploads(BlobContainerProvider containers) : IOrgDataOwner
{
    public const string ContainerName = "knowledge-uploads";

    public string Area => "knowledge uploads";

    public async Task StageAsync(OrgId orgId, string documentId, string uploadId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var container = await containers.GetAsync(ContainerName, cancellationToken).ConfigureAwait(false);
        await container.GetBlobClient(BlobName(orgId, documentId, uploadId)).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The staged bytes, or null when they are gone (already ingested, deleted, offboarded).</summary>
    public async Task<ReadOnlyMemory<byte>?> ReadAsync(OrgId orgId, string documentId, string uploadId, CancellationToken cancellationToken)
    {
        var container = await containers.GetAsync(ContainerName, cancellationToken).ConfigureAwait(false);
        try
        {
            var content = await container.GetBlobClient(BlobName(orgId, documentId, uploadId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToMemory();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task DeleteAsync(OrgId orgId, string documentId, string uploadId, CancellationToken cancellationToken)
    {
        var container = await containers.GetAsync(ContainerName, cancellationToken).ConfigureAwait(false);
        await container.GetBlobClient(BlobName(orgId, documentId, uploadId)).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var container = await containers.GetAsync(ContainerName, cancellationToken).ConfigureAwait(false);
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{orgId.Value}/", cancellationToken).ConfigureAwait(false))
        {
            await container.DeleteBlobIfExistsAsync(blob.Name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string BlobName(OrgId orgId, string documentId, string uploadId)
    {
        Identifiers.EnsureResourceId(documentId, "documentId");
        Identifiers.EnsureResourceId(uploadId, "uploadId");
        return $"{orgId.Value}/{documentId}/{uploadId}";
    }
}
