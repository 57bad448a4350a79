namespace AgentFunctions.Storage;

/// <summary>Moves a message that must not be processed to <c>{queue}-poison</c>, as the host does after the last attempt.</summary>
internal interface IDeadLetters
{
    Task MoveAsync(string queueName, string message, CancellationToken cancellationToken);
}
