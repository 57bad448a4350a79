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
