using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using static AgentFunctions.OpenAi.OpenAiRequestReader;

namespace AgentFunctions.OpenAi;

/// <summary>
/// A <c>POST /api/v1/responses</c> body: <c>input</c> (a string, or message, <c>function_call</c> and
/// <c>function_call_output</c> items), <c>instructions</c>, <c>previous_response_id</c> (or <c>conversation</c>),
/// <c>store</c>, <c>stream</c>, function <c>tools</c>, <c>tool_choice</c>, <c>text.format</c>, <c>max_output_tokens</c>,
/// sampling and <c>metadata</c>. Unknown fields and fields this API cannot honour are refused naming the field.
/// </summary>
internal sealed partial record ResponseCreateRequest(
    string Model,
    IReadOnlyList<ChatMessage> Input,
    IReadOnlyList<string> Instructions,
    string? PreviousResponseId,
    string? ConversationId,
    bool Store,
    bool Stream,
    ChatOptions Options,
    IReadOnlyDictionary<string, string> Metadata,
    ResponseEcho Echo)
{
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "user", "service_tier", "safety_identifier", "prompt_cache_key", "stream_options",
    };

    /// <summary>Whether <paramref name="id"/> has the shape of a response id (<c>resp_</c> and 32 hex digits).</summary>
    public static bool IsResponseId(string? id) => id is not null && ResponseId().IsMatch(id);

    public static ResponseCreateRequest Parse(JsonElement body)
    {
        Object(body, "body");
        string? model = null, previous = null, conversation = null;
        JsonElement input = default, tools = default, toolChoice = default, text = default;
        var instructions = new List<string>();
        string? instructionsText = null;
        var store = true;
        var stream = false;
        var options = new ChatOptions();
        Dictionary<string, string>? metadata = null;
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model":
                    model = String(value, "model");
                    break;
                case "input":
                    input = value;
                    break;
                case "instructions":
                    instructionsText = OptionalString(value, "instructions");
                    if (instructionsText is { Length: > 0 })
                    {
                        instructions.Insert(0, instructionsText);
                    }

                    break;
                case "previous_response_id":
                    previous = OptionalString(value, "previous_response_id");
                    if (previous is not null && !IsResponseId(previous))
                    {
                        throw Invalid("previous_response_id", "must be a response id (resp_ and 32 hex digits).");
                    }

                    break;
                case "conversation":
                    conversation = Conversation(value);
                    break;
                case "store":
                    store = IsAbsent(value) || Boolean(value, "store");
                    break;
                case "stream":
                    stream = Boolean(value, "stream");
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
                case "text":
                    text = value;
                    break;
                case "max_output_tokens":
                    options.MaxOutputTokens = PositiveInteger(value, "max_output_tokens");
                    break;
                case "temperature":
                    options.Temperature = Number(value, "temperature", 0, 2);
                    break;
                case "top_p":
                    options.TopP = Number(value, "top_p", 0, 1);
                    break;
                case "metadata":
                    metadata = OpenAiRequestReader.Metadata(value, "metadata");
                    break;
                case "truncation":
                    if (!IsAbsent(value) && OptionalString(value, "truncation") is not ("disabled" or "auto"))
                    {
                        throw Invalid("truncation", "must be 'disabled' or 'auto'.");
                    }

                    break;
                case "background":
                    if (Boolean(value, "background"))
                    {
                        throw Unsupported("background");
                    }

                    break;
                case "include":
                    if (!IsAbsent(value) && (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 0))
                    {
                        throw Unsupported("include");
                    }

                    break;
                case var name when Ignored.Contains(name):
                    break;
                default:
                    if (!IsAbsent(value))
                    {
                        throw Unsupported(property.Name);
                    }

                    break;
            }
        }

        if (previous is not null && conversation is not null)
        {
            throw Invalid("conversation", "cannot be given together with previous_response_id (a chain already is a conversation).");
        }

        options.Tools = Tools(tools);
        IReadOnlyList<AITool> declared = [.. options.Tools ?? []];
        options.ToolMode = ToolMode(toolChoice, "tool_choice", declared, c => c.TryGetProperty("name", out var n) ? n : default);
        options.ResponseFormat = IsAbsent(text) ? null
            : Object(text, "text").TryGetProperty("format", out var format) ? Format(format, "text.format", f => f, "text.format") : null;
        var items = Items(input, instructions);
        return new ResponseCreateRequest(
            model ?? throw Invalid("model", "is required (an agent name; GET /api/v1/models lists them)."),
            items, instructions, previous, conversation, store, stream, options, metadata ?? [],
            new ResponseEcho(instructionsText, Copy(tools), Copy(toolChoice), Copy(text), options.Temperature, options.TopP, options.MaxOutputTokens, options.AllowMultipleToolCalls ?? true));
    }

    private static JsonElement? Copy(JsonElement value) => IsAbsent(value) ? null : value.Clone();

    private static string? Conversation(JsonElement value)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        var id = value.ValueKind == JsonValueKind.String ? value.GetString()
            : Object(value, "conversation").TryGetProperty("id", out var inner) ? OptionalString(inner, "conversation.id") : null;
        Tenancy.Identifiers.EnsureResourceId(id, "conversation");
        return id;
    }

    /// <summary>Responses declares each function flat on the tool item.</summary>
    private static List<AITool>? Tools(JsonElement tools) => FunctionTools(tools, (tool, field) => (tool, field));

    /// <summary>The input as messages; system/developer messages join <paramref name="instructions"/>.</summary>
    private static List<ChatMessage> Items(JsonElement input, List<string> instructions)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return input.GetString() is { Length: > 0 } text ? [new ChatMessage(ChatRole.User, text)] : throw Invalid("input", "must not be empty.");
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            throw Invalid("input", "is required: a string or a non-empty array of items.");
        }

        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            var field = $"input[{index++}]";
            Object(item, field);
            var type = item.TryGetProperty("type", out var t) ? t.GetString() : "message";
            switch (type)
            {
                case "message":
                    var role = item.TryGetProperty("role", out var r) ? r.GetString() : null;
                    var content = item.TryGetProperty("content", out var c) ? c : default;
                    var text = Text(content, $"{field}.content", "input_text", "output_text", "text");
                    switch (role)
                    {
                        case "system" or "developer":
                            instructions.Add(text);
                            break;
                        case "user":
                            messages.Add(new ChatMessage(ChatRole.User, text));
                            break;
                        case "assistant":
                            messages.Add(new ChatMessage(ChatRole.Assistant, text));
                            break;
                        default:
                            throw Invalid($"{field}.role", $"'{role}' is not one of user, assistant, system, developer.");
                    }

                    break;
                case "function_call":
                    var callId = String(item.TryGetProperty("call_id", out var id) ? id : default, $"{field}.call_id");
                    var name = String(item.TryGetProperty("name", out var n) ? n : default, $"{field}.name");
                    var arguments = item.TryGetProperty("arguments", out var a) ? OptionalString(a, $"{field}.arguments") ?? "{}" : "{}";
                    messages.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, name, Arguments(arguments, $"{field}.arguments"))]));
                    break;
                case "function_call_output":
                    var outputId = String(item.TryGetProperty("call_id", out var oid) ? oid : default, $"{field}.call_id");
                    var output = item.TryGetProperty("output", out var o) ? Text(o, $"{field}.output", "input_text", "output_text", "text") : throw Invalid($"{field}.output", "is required.");
                    messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(outputId, output)]));
                    break;
                default:
                    throw Invalid($"{field}.type", $"'{type}' is not supported: items are messages, function_call and function_call_output.");
            }
        }

        return messages;
    }

    [GeneratedRegex("^resp_[0-9a-f]{32}$")]
    private static partial Regex ResponseId();
}
