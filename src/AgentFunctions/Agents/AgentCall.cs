using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// One run for a client that speaks a chat protocol (the OpenAI-compatible API) on top of the org's agent: the
/// client's messages (history it sends itself, tool results), its additional instructions (placed after the org's
/// system prompt, never instead of it), the tools it declares (returned to it as calls, never run here) and its
/// sampling settings (the output-token limit is capped by the org's).
/// </summary>
internal sealed record AgentCall(IReadOnlyList<ChatMessage> Messages)
{
    /// <summary>The conversation the call continues (its recent history goes before <see cref="Messages"/>); null: stateless.</summary>
    public string? ConversationId { get; init; }

    /// <summary>True when <see cref="ConversationId"/> is new: no history is read.</summary>
    public bool NewConversation { get; init; }

    /// <summary>Store the turn in <see cref="ConversationId"/> once the model answered with text (not with client tool calls).</summary>
    public bool Store { get; init; }

    /// <summary>The user's side of the stored turn; null: the text of the user messages of <see cref="Messages"/>.</summary>
    public string? TurnInput { get; init; }

    /// <summary>The client's system/developer messages, each a system message after the org's system prompt.</summary>
    public IReadOnlyList<string> Instructions { get; init; } = [];

    /// <summary>
    /// The client's settings: <c>Tools</c> (declaration-only functions), <c>ToolMode</c>, <c>Temperature</c>, <c>TopP</c>,
    /// <c>MaxOutputTokens</c> (never above the org's), <c>ResponseFormat</c>, <c>StopSequences</c>, <c>Seed</c>, penalties.
    /// </summary>
    public ChatOptions? Options { get; init; }

    /// <summary>The org's agent that answers (<see cref="AgentDefinition.DefaultName"/> unless named).</summary>
    public string Agent { get; init; } = AgentDefinition.DefaultName;

    /// <summary>The schema the answer must follow (over the agent's own <c>responseFormat</c>); null: the agent's, if any.</summary>
    public ResponseFormatSchema? ResponseFormat { get; init; }
}
