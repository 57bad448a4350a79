using Azure.Storage.Blobs;

namespace AgentFunctions.Storage;

/// <summary>Hands out blob container clients, creating each container (private) once per process on first use.</summary>
internal sealed class BlobContainerProvider(BlobServiceClient service)
{
    private readonly CreateOnce<BlobContainerClient> _containers = new(async name =>
    {
        var container = service.GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        return container;
    });

    public Task<BlobContainerClient> GetAsync(string containerName, CancellationToken cancellationToken = default) =>
        _containers.GetAsync(containerName, cancellationToken);
}
