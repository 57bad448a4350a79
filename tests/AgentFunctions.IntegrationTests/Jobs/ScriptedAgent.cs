using System.Collections.Concurrent;
using AgentFunctions.Agents;
using AgentFunctions.Tenancy;

namespace AgentFunctions.IntegrationTests.Jobs;

/// <summary>
/// A fake of our <see cref="IAgent"/>: answers "{org}:{input}", fails the first N calls if told to,
/// and can hold a run until released (to race two deliveries).
/// </summary>
internal sealed class ScriptedAgent : IAgent
{
    private readonly ConcurrentQueue<(OrgId Org, AgentRunRequest Request, string? TurnId)> _calls = new();
    private readonly ConcurrentQueue<bool> _newTurns = new();
    private readonly ConcurrentQueue<bool> _newConversations = new();
    private int _failuresLeft;

    public Exception? Failure { get; set; }

    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(OrgId Org, AgentRunRequest Request, string? TurnId)> Calls => [.. _calls];

    public void FailNext(int count, Exception failure)
    {
        _failuresLeft = count;
        Failure = failure;
    }

    /// <summary>Which calls were first attempts (<see cref="IAgent.RunNewTurnAsync"/>), in call order.</summary>
    public IReadOnlyList<bool> NewTurns => [.. _newTurns];

    /// <summary>Which calls ran as a new conversation (no history read), in call order.</summary>
    public IReadOnlyList<bool> NewConversations => [.. _newConversations];

    public Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken) =>
        RunAsync(orgId, request, turnId, newTurn: false, newConversation: false, cancellationToken);

    public Task<AgentRunResult> RunNewTurnAsync(OrgId orgId, AgentRunRequest request, string turnId, bool newConversation, CancellationToken cancellationToken) =>
        RunAsync(orgId, request, turnId, newTurn: true, newConversation, cancellationToken);

    private async Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, bool newTurn, bool newConversation, CancellationToken cancellationToken)
    {
        _newTurns.Enqueue(newTurn);
        _newConversations.Enqueue(newConversation);
        _calls.Enqueue((orgId, request, turnId));
        Entered.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Failure is { } failure && Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw failure;
        }

        return new AgentRunResult($"{orgId.Value}:{request.Input}", request.ConversationId!, new AgentUsage(request.Input!.Length, 3), []);
    }

    public IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(OrgId orgId, AgentRunRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Jobs never stream.");
}
