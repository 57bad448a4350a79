using Microsoft.Extensions.AI;

namespace AgentFunctions.Agents;

/// <summary>
/// The outcome of an <see cref="AgentCall"/>: the answer's text, or the calls of client-declared tools the client must
/// run (then nothing is stored and <see cref="Text"/> may be empty), usage, citations of the org's knowledge, and
/// whether the turn was stored in the call's conversation.
/// </summary>
internal sealed record AgentCompletion(
    string Text,
    IReadOnlyList<FunctionCallContent> ClientCalls,
    AgentUsage Usage,
    IReadOnlyList<Citation> Citations,
    ChatFinishReason? FinishReason,
    bool Stored)
{
    /// <summary>With a response format: the answer parsed (it follows the schema).</summary>
    public System.Text.Json.JsonElement? Structured { get; init; }
}
