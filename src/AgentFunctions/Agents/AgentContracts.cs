using System.Text.Json;
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

    /// <summary>The org's agent that runs (<c>default</c> when absent): its instructions, model, tools and knowledge.</summary>
    [JsonPropertyName("agent")]
    public string? Agent { get; init; }

    /// <summary>A JSON schema the answer must follow (instead of the agent's own <c>responseFormat</c>).</summary>
    [JsonPropertyName("responseFormat")]
    public JsonElement? ResponseFormat { get; init; }

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

        if (Agent is not null && !AgentDefinitionRules.IsName(Agent))
        {
            throw ApiException.InvalidRequest("agent", "must be an agent name: 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit.");
        }

        if (ResponseFormat is { ValueKind: not JsonValueKind.Null } schema)
        {
            ResponseFormatSchema.EnsureValid(schema, "responseFormat");
        }
    }
}

internal sealed record AgentUsage(
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens);

internal sealed record Citation(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("title")] string Title);

/// <summary>
/// The response of one agent run (docs/api.md, "Agent"). <see cref="Output"/> is the answer's text; with a
/// <c>responseFormat</c> the answer parsed (<see cref="Structured"/>) is sent as <c>output</c> and the text as <c>text</c>.
/// </summary>
internal sealed record AgentRunResult(
    [property: JsonIgnore] string Output,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("usage")] AgentUsage Usage,
    [property: JsonPropertyName("citations")] IReadOnlyList<Citation> Citations)
{
    /// <summary>The answer parsed, when the run had a <c>responseFormat</c> (validated against it).</summary>
    [JsonIgnore]
    public JsonElement? Structured { get; init; }

    /// <summary>The agent that answered.</summary>
    [JsonPropertyName("agent")]
    public string Agent { get; init; } = AgentDefinition.DefaultName;

    [JsonPropertyName("output")]
    [JsonPropertyOrder(-1)]
    public object OutputValue => Structured is { } structured ? structured : Output;

    [JsonPropertyName("text")]
    public string Text => Output;
}

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
