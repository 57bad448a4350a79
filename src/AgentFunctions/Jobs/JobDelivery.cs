namespace AgentFunctions.Jobs;

/// <summary>Which queue delivery is processing a job: the message id (stable across redeliveries) and its dequeue count.</summary>
internal sealed record JobDelivery(string? MessageId, long DequeueCount);
