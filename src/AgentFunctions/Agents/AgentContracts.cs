using System.Text.Json.Serialization;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>The body of <c>POST /api/agent/run</c> and <c>POST /api/jobs</c>.</summary>
internal sealed record AgentRunRequest(
    [property: JsonPropertyName("input")] string? Input,
    [property: JsonPropertyName("conversationId")] string? ConversationId)
{
    /// <summary>Longest accepted input, in characters.</summary>
    public const int MaxInputLength = 32_000;

    /// <summary>Refuses bad input with a 400 naming the field, before any I/O.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Input))
        {
            throw ApiException.InvalidRequest("input", "is required and must not be empty.");
        }

        if (Input.Length > MaxInputLength)
        {
            throw ApiException.PayloadTooLarge($"'input' is longer than {MaxInputLength} characters.");
        }

        if (ConversationId is not null)
        {
            Identifiers.EnsureResourceId(ConversationId, "conversationId");
        }
    }
}

internal sealed record AgentUsage(
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens);

internal sealed record Citation(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title")] string Title);

/// <summary>The response of one agent run (docs/api.md, "Agent").</summary>
internal sealed record AgentRunResult(
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("usage")] AgentUsage Usage,
    [property: JsonPropertyName("citations")] IReadOnlyList<Citation> Citations);

/// <summary>One item of a streamed run: text deltas, then exactly one final result.</summary>
internal sealed record AgentStreamUpdate(string? Delta, AgentRunResult? Result);

/// <summary>
/// Runs the agent once for one org: the org's system prompt and model settings, the conversation's
/// recent history, retrieved knowledge and tools, one model call loop, and the turn is stored.
/// </summary>
internal interface IAgent
{
    /// <param name="turnId">Idempotency key of the turn (a job id): a turn already stored under it is returned, not run again.</param>
    Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken);

    IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(OrgId orgId, AgentRunRequest request, CancellationToken cancellationToken);
}
