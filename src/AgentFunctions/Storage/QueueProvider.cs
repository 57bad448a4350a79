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

/// <summary>Moves a message that must not be processed to <c>{queue}-poison</c>, as the host does after the last attempt.</summary>
internal interface IDeadLetters
{
    Task MoveAsync(string queueName, string message, CancellationToken cancellationToken);
}

internal sealed class PoisonMessages(QueueProvider queues) : IDeadLetters
{
    public async Task MoveAsync(string queueName, string message, CancellationToken cancellationToken)
    {
        var poison = await queues.GetAsync($"{queueName}-poison", cancellationToken).ConfigureAwait(false);
        await poison.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
