using Azure.Storage.Queues;

namespace AgentFunctions.Storage;

/// <summary>Hands out queue clients, creating each queue once per process on first use.</summary>
internal sealed class QueueProvider(QueueServiceClient service)
{
    private readonly CreateOnce<QueueClient> _queues = new(async name =>
    {
        var queue = service.GetQueueClient(name);
        await queue.CreateIfNotExistsAsync().ConfigureAwait(false);
        return queue;
    });

    public Task<QueueClient> GetAsync(string queueName, CancellationToken cancellationToken = default) =>
        _queues.GetAsync(queueName, cancellationToken);
}
