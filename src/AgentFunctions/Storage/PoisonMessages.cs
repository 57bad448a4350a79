namespace AgentFunctions.Storage;

internal sealed class PoisonMessages(QueueProvider queues) : IDeadLetters
{
    public async Task MoveAsync(string queueName, string message, CancellationToken cancellationToken)
    {
        var poison = await queues.GetAsync($"{queueName}-poison", cancellationToken).ConfigureAwait(false);
        await poison.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
