using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Storage;

/// <summary>
/// The app's storage account is the Functions host's own (<c>AzureWebJobsStorage</c>): a connection
/// string locally (Azurite), identity-based in Azure (<c>AzureWebJobsStorage__tableServiceUri</c>,
/// <c>__queueServiceUri</c>, <c>__blobServiceUri</c>, <c>__credential=managedidentity</c>, <c>__clientId</c>).
/// </summary>
internal static class StorageClients
{
    public const string Section = "AzureWebJobsStorage";

    public static TableServiceClient CreateTableServiceClient(IConfiguration configuration, StorageResilienceOptions resilience)
    {
        ArgumentNullException.ThrowIfNull(resilience);
        var section = configuration.GetSection(Section);
        var options = resilience.Apply(new TableClientOptions());
        if (section.Value is { Length: > 0 } connectionString)
        {
            return new TableServiceClient(connectionString, options);
        }

        var uri = section["tableServiceUri"] ?? throw MissingSetting("AzureWebJobsStorage__tableServiceUri");
        return new TableServiceClient(new Uri(uri), Credential(section), options);
    }

    public static QueueServiceClient CreateQueueServiceClient(IConfiguration configuration, StorageResilienceOptions resilience)
    {
        ArgumentNullException.ThrowIfNull(resilience);
        var section = configuration.GetSection(Section);
        var options = resilience.Apply(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        if (section.Value is { Length: > 0 } connectionString)
        {
            return new QueueServiceClient(connectionString, options);
        }

        var uri = section["queueServiceUri"] ?? throw MissingSetting("AzureWebJobsStorage__queueServiceUri");
        return new QueueServiceClient(new Uri(uri), Credential(section), options);
    }

    public static BlobServiceClient CreateBlobServiceClient(IConfiguration configuration, StorageResilienceOptions resilience)
    {
        ArgumentNullException.ThrowIfNull(resilience);
        var section = configuration.GetSection(Section);
        var options = resilience.Apply(new BlobClientOptions());
        if (section.Value is { Length: > 0 } connectionString)
        {
            return new BlobServiceClient(connectionString, options);
        }

        var uri = section["blobServiceUri"] ?? throw MissingSetting("AzureWebJobsStorage__blobServiceUri");
        return new BlobServiceClient(new Uri(uri), Credential(section), options);
    }

    internal static TokenCredential Credential(IConfigurationSection section) =>
        section["clientId"] is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();

    private static InvalidOperationException MissingSetting(string name) =>
        new($"Storage is not configured: set AzureWebJobsStorage (a connection string) or {name}.");
}
