using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Errors;
using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAi;

/// <summary>
/// Reading the fields the OpenAI request bodies share. Every refusal is a 400 <c>invalid_request</c> naming the field by
/// its JSON path (<c>messages[2].content</c>), before anything is run.
/// </summary>
internal static partial class OpenAiRequestReader
{
    /// <summary>Most tools a client may declare (OpenAI's own limit).</summary>
    public const int MaxTools = 128;

    public static ApiException Invalid(string field, string problem) => ApiException.InvalidRequest(field, problem);

    public static ApiException Unsupported(string field) =>
        ApiException.InvalidRequest(field, "is not supported by this API (it would change the meaning of the request); leave it out.");

    public static bool IsAbsent(JsonElement value) => value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static JsonElement Object(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Object ? value : throw Invalid(field, "must be a JSON object.");

    public static string String(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : throw Invalid(field, "must be a non-empty string.");

    public static string? OptionalString(JsonElement value, string field) =>
        IsAbsent(value) ? null : value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(field, "must be a string.");

    public static bool Boolean(JsonElement value, string field) =>
        IsAbsent(value) ? false : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Invalid(field, "must be true or false.");

    public static float? Number(JsonElement value, string field, double min, double max)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || number < min || number > max)
        {
            throw Invalid(field, string.Create(CultureInfo.InvariantCulture, $"must be a number from {min} to {max}."));
        }

        return (float)number;
    }

    public static int? PositiveInteger(JsonElement value, string field)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= 1
            ? number
            : throw Invalid(field, "must be a whole number of at least 1.");
    }

    /// <summary><c>metadata</c>: at most 16 string values (keys ≤ 64, values ≤ 512 characters), as OpenAI defines it.</summary>
    public static Dictionary<string, string>? Metadata(JsonElement value, string field)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in Object(value, field).EnumerateObject())
        {
            if (property.Name.Length > 64 || property.Value.ValueKind != JsonValueKind.String || property.Value.GetString()!.Length > 512)
            {
                throw Invalid($"{field}.{property.Name}", "must be a string of at most 512 characters under a key of at most 64.");
            }

            metadata[property.Name] = property.Value.GetString()!;
        }

        return metadata.Count <= 16 ? metadata : throw Invalid(field, "holds at most 16 keys.");
    }

    /// <summary>
    /// Text content: a string, or an array of parts whose type is one of <paramref name="textTypes"/>; any other part
    /// (images, audio, files) is refused naming it.
    /// </summary>
    public static string Text(JsonElement content, string field, params string[] textTypes)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(field, "must be a string or an array of text parts.");
        }

        var text = new StringBuilder();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partField = $"{field}[{index++}]";
            var type = Object(part, partField).TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is null || !textTypes.Contains(type, StringComparer.Ordinal))
            {
                throw Invalid($"{partField}.type", $"'{type}' is not supported: only text parts ({string.Join(", ", textTypes)}) are.");
            }

            text.Append(part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String
                ? partText.GetString()
                : throw Invalid($"{partField}.text", "must be a string."));
        }

        return text.ToString();
    }

    /// <summary>A client tool: a declaration only (Microsoft.Extensions.AI runs none of them; its calls go back to the client).</summary>
    public static AIFunctionDeclaration Function(string name, string? description, JsonElement parameters, string field)
    {
        if (!FunctionName().IsMatch(name))
        {
            throw Invalid($"{field}.name", "must be 1-64 characters of a-z, A-Z, 0-9, '_' and '-'.");
        }

        var schema = IsAbsent(parameters)
            ? JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement
            : Object(parameters, $"{field}.parameters").Clone();
        return AIFunctionFactory.CreateDeclaration(name, description, schema);
    }

    /// <summary>
    /// The client's declared function tools (declaration-only: returned to the client as calls), or null when there are
    /// none; <paramref name="definition"/> finds a tool's function object and its field path (the two APIs nest it differently).
    /// </summary>
    public static List<AITool>? FunctionTools(JsonElement tools, Func<JsonElement, string, (JsonElement Function, string Field)> definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (IsAbsent(tools))
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("tools", "must be an array.");
        }

        var declared = new List<AITool>();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var field = $"tools[{index++}]";
            if (!Object(tool, field).TryGetProperty("type", out var type) || type.GetString() != "function")
            {
                throw Invalid($"{field}.type", "must be 'function': only function tools can be declared.");
            }

            var (function, at) = definition(tool, field);
            declared.Add(Function(
                String(function.TryGetProperty("name", out var name) ? name : default, $"{at}.name"),
                function.TryGetProperty("description", out var description) ? OptionalString(description, $"{at}.description") : null,
                function.TryGetProperty("parameters", out var parameters) ? parameters : default,
                at));
        }

        EnsureUniqueTools(declared, "tools");
        return declared.Count > 0 ? declared : null;
    }

    public static void EnsureUniqueTools(IReadOnlyList<AITool> tools, string field)
    {
        if (tools.Count > MaxTools)
        {
            throw Invalid(field, string.Create(CultureInfo.InvariantCulture, $"holds at most {MaxTools} tools."));
        }

        if (tools.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw Invalid(field, $"declares '{duplicate.Key}' more than once.");
        }
    }

    /// <summary><c>tool_choice</c>: <c>auto</c>, <c>none</c>, <c>required</c> or one named function (<paramref name="namedFunction"/> reads its name).</summary>
    public static ChatToolMode? ToolMode(JsonElement value, string field, IReadOnlyList<AITool> tools, Func<JsonElement, JsonElement> namedFunction)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() switch
            {
                "auto" => ChatToolMode.Auto,
                "none" => ChatToolMode.None,
                "required" => ChatToolMode.RequireAny,
                var other => throw Invalid(field, $"'{other}' is not one of auto, none, required."),
            };
        }

        if (Object(value, field).TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function")
        {
            var name = String(namedFunction(value), $"{field}.name");
            return tools.Any(t => t.Name == name) ? ChatToolMode.RequireSpecific(name) : throw Invalid($"{field}.name", $"'{name}' is not one of the declared tools.");
        }

        throw Invalid($"{field}.type", "must be 'function'.");
    }

    /// <summary>A structured-output format: <c>text</c>, <c>json_object</c> or <c>json_schema</c> (schema under <paramref name="schemaHolder"/>).</summary>
    public static ChatResponseFormat? Format(JsonElement value, string field, Func<JsonElement, JsonElement> schemaHolder, string schemaField)
    {
        if (IsAbsent(value))
        {
            return null;
        }

        var type = Object(value, field).TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                var holder = Object(schemaHolder(value), schemaField);
                var name = String(holder.TryGetProperty("name", out var n) ? n : default, $"{schemaField}.name");
                var description = holder.TryGetProperty("description", out var d) ? OptionalString(d, $"{schemaField}.description") : null;
                var schema = holder.TryGetProperty("schema", out var s) && !IsAbsent(s) ? Object(s, $"{schemaField}.schema").Clone() : (JsonElement?)null;
                return schema is { } json ? ChatResponseFormat.ForJsonSchema(json, name, description) : ChatResponseFormat.Json;
            default:
                throw Invalid($"{field}.type", $"'{type}' is not one of text, json_object, json_schema.");
        }
    }

    /// <summary>A tool call's arguments (a JSON object in a string), as Microsoft.Extensions.AI holds them.</summary>
    public static Dictionary<string, object?> Arguments(string json, string field)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, object?>>(json.Length == 0 ? "{}" : json) ?? [];
        }
        catch (JsonException)
        {
            throw Invalid(field, "must be a JSON object in a string.");
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}
