using System.Text.Json;
using AgentFunctions.Agents;
using Microsoft.Extensions.AI;
using static AgentFunctions.OpenAi.OpenAiRequestReader;

namespace AgentFunctions.OpenAi;

/// <summary>
/// A <c>POST /api/v1/chat/completions</c> body, mapped onto the org's agent: stateless (the client's messages are the
/// whole history), system/developer messages become additional instructions after the org's, function tools are
/// declarations whose calls go back to the client. Fields that would change the meaning of the request and that this
/// API cannot honour (<c>n</c> &gt; 1, log probabilities, audio, predicted output, ...) and unknown fields are refused
/// naming the field, as OpenAI refuses unknown arguments.
/// </summary>
internal sealed record ChatCompletionRequest(string Model, AgentCall Call, bool Stream, bool IncludeUsage)
{
    /// <summary>Accepted and not needed: they change nothing about the answer (bookkeeping, routing hints).</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "user", "metadata", "store", "service_tier", "safety_identifier", "prompt_cache_key",
    };

    public static ChatCompletionRequest Parse(JsonElement body)
    {
        Object(body, "body");
        string? model = null;
        JsonElement messages = default, tools = default, toolChoice = default, responseFormat = default;
        var stream = false;
        var includeUsage = false;
        var options = new ChatOptions();
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model":
                    model = String(value, "model");
                    break;
                case "messages":
                    messages = value;
                    break;
                case "stream":
                    stream = Boolean(value, "stream");
                    break;
                case "stream_options":
                    includeUsage = !IsAbsent(value) && Object(value, "stream_options").TryGetProperty("include_usage", out var usage) && Boolean(usage, "stream_options.include_usage");
                    break;
                case "tools":
                    tools = value;
                    break;
                case "tool_choice":
                    toolChoice = value;
                    break;
                case "parallel_tool_calls":
                    options.AllowMultipleToolCalls = IsAbsent(value) ? null : Boolean(value, "parallel_tool_calls");
                    break;
                case "temperature":
                    options.Temperature = Number(value, "temperature", 0, 2);
                    break;
                case "top_p":
                    options.TopP = Number(value, "top_p", 0, 1);
                    break;
                case "frequency_penalty":
                    options.FrequencyPenalty = Number(value, "frequency_penalty", -2, 2);
                    break;
                case "presence_penalty":
                    options.PresencePenalty = Number(value, "presence_penalty", -2, 2);
                    break;
                case "seed":
                    options.Seed = IsAbsent(value) ? null : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seed) ? seed : throw Invalid("seed", "must be a whole number.");
                    break;
                case "stop":
                    options.StopSequences = Stop(value);
                    break;
                case "max_tokens" or "max_completion_tokens":
                    options.MaxOutputTokens = PositiveInteger(value, property.Name) ?? options.MaxOutputTokens;
                    break;
                case "response_format":
                    responseFormat = value;
                    break;
                case "n":
                    if (!IsAbsent(value) && !(value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n == 1))
                    {
                        throw Invalid("n", "must be 1: this API returns one choice.");
                    }

                    break;
                case "logprobs":
                    RefuseUnless(value, v => v.ValueKind == JsonValueKind.False, "logprobs");
                    break;
                case "top_logprobs":
                    RefuseUnless(value, v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0, "top_logprobs");
                    break;
                case "logit_bias":
                    RefuseUnless(value, v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "logit_bias");
                    break;
                case "modalities":
                    RefuseUnless(value, v => v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString() == "text"), "modalities");
                    break;
                case var name when Ignored.Contains(name):
                    if (name == "metadata")
                    {
                        Metadata(value, name);
                    }

                    break;
                default:
                    RefuseUnless(value, _ => false, property.Name);
                    break;
            }
        }

        options.Tools = Tools(tools);
        options.ToolMode = ToolMode(toolChoice, "tool_choice", [.. options.Tools ?? []], c => c.TryGetProperty("function", out var f) ? Object(f, "tool_choice.function").GetProperty("name") : default);
        options.ResponseFormat = Format(responseFormat, "response_format", f => f.TryGetProperty("json_schema", out var s) ? s : default, "response_format.json_schema");
        var (history, instructions) = Messages(messages);
        var agent = model ?? throw Invalid("model", "is required (an agent name; GET /api/v1/models lists them).");
        var call = new AgentCall(history) { Instructions = instructions, Options = options, Agent = agent };
        return new ChatCompletionRequest(agent, call, stream, includeUsage);
    }

    private static void RefuseUnless(JsonElement value, Func<JsonElement, bool> harmless, string field)
    {
        if (!IsAbsent(value) && !harmless(value))
        {
            throw Unsupported(field);
        }
    }

    private static List<string>? Stop(JsonElement value)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() <= 4 && value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(s => s.GetString()!)]
            : throw Invalid("stop", "must be a string or an array of at most 4 strings.");
    }

    /// <summary>Chat Completions nests each function under <c>function</c>.</summary>
    private static List<AITool>? Tools(JsonElement tools) =>
        FunctionTools(tools, (tool, field) => (Object(tool.TryGetProperty("function", out var f) ? f : default, $"{field}.function"), $"{field}.function"));

    private static (List<ChatMessage> History, List<string> Instructions) Messages(JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw Invalid("messages", "is required: a non-empty array of messages.");
        }

        var history = new List<ChatMessage>();
        var instructions = new List<string>();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var field = $"messages[{index++}]";
            Object(message, field);
            var role = message.TryGetProperty("role", out var r) ? r.GetString() : null;
            var content = message.TryGetProperty("content", out var c) ? c : default;
            switch (role)
            {
                case "system" or "developer":
                    instructions.Add(Text(content, $"{field}.content", "text"));
                    break;
                case "user":
                    history.Add(new ChatMessage(ChatRole.User, Text(content, $"{field}.content", "text")));
                    break;
                case "assistant":
                    history.Add(Assistant(message, content, field));
                    break;
                case "tool":
                    var callId = String(message.TryGetProperty("tool_call_id", out var id) ? id : default, $"{field}.tool_call_id");
                    history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, Text(content, $"{field}.content", "text"))]));
                    break;
                default:
                    throw Invalid($"{field}.role", $"'{role}' is not one of system, developer, user, assistant, tool.");
            }
        }

        return history.Any(m => m.Role == ChatRole.User)
            ? (history, instructions)
            : throw Invalid("messages", "must contain at least one user message.");
    }

    private static ChatMessage Assistant(JsonElement message, JsonElement content, string field)
    {
        var contents = new List<AIContent>();
        if (!IsAbsent(content))
        {
            contents.Add(new TextContent(Text(content, $"{field}.content", "text", "refusal")));
        }

        if (message.TryGetProperty("tool_calls", out var calls) && !IsAbsent(calls))
        {
            var index = 0;
            foreach (var call in calls.ValueKind == JsonValueKind.Array ? calls.EnumerateArray() : throw Invalid($"{field}.tool_calls", "must be an array."))
            {
                var callField = $"{field}.tool_calls[{index++}]";
                var function = Object(Object(call, callField).TryGetProperty("function", out var f) ? f : default, $"{callField}.function");
                contents.Add(new FunctionCallContent(
                    String(call.TryGetProperty("id", out var id) ? id : default, $"{callField}.id"),
                    String(function.TryGetProperty("name", out var name) ? name : default, $"{callField}.function.name"),
                    Arguments(function.TryGetProperty("arguments", out var arguments) ? OptionalString(arguments, $"{callField}.function.arguments") ?? "{}" : "{}", $"{callField}.function.arguments")));
            }
        }

        return contents.Count > 0 ? new ChatMessage(ChatRole.Assistant, contents) : throw Invalid($"{field}.content", "is required unless tool_calls are given.");
    }
}
