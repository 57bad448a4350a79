using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Errors;

namespace AgentFunctions.Agents;

/// <summary>
/// The shape of an agent definition, checked before any I/O: the body of <c>PUT /api/agents/{name}</c> is parsed
/// field by field (an unknown or mistyped field is a 400 naming it), and cycles among agents that call each other
/// are found here too.
/// </summary>
internal static partial class AgentDefinitionRules
{
    public const int MaxInstructionsLength = 16_000;
    public const int MaxDescriptionLength = 1_000;
    public const int MaxTools = 64;
    public const int MaxRetrievalTop = 20;

    /// <summary>Largest <c>responseFormat</c>, as compact JSON characters (it is stored in one string property).</summary>
    public const int MaxResponseFormatLength = 16_000;

    private static readonly HashSet<string> Fields =
        ["description", "instructions", "model", "tools", "knowledge", "responseFormat", "compaction"];

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex DeploymentPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ToolNamePattern();

    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static void EnsureName(string? name)
    {
        if (!IsName(name))
        {
            throw ApiException.InvalidRequest("name", "must be 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit.");
        }
    }

    /// <summary>Parses and checks a definition body; throws a 400 naming the first field that is wrong.</summary>
    public static AgentDefinition Parse(string name, JsonElement body)
    {
        EnsureName(name);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidRequest("body", "must be a JSON object.");
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                throw ApiException.InvalidRequest(property.Name, $"is not a field of an agent definition (fields: {string.Join(", ", Fields)}).");
            }
        }

        var responseFormat = Optional(body, "responseFormat") is { } schema ? ResponseFormatSchema.EnsureValid(schema, "responseFormat") : (JsonElement?)null;
        return new AgentDefinition(
            name,
            Text(body, "description", MaxDescriptionLength),
            Text(body, "instructions", MaxInstructionsLength),
            Model(Optional(body, "model")),
            Tools(name, Optional(body, "tools")),
            Knowledge(Optional(body, "knowledge")),
            responseFormat,
            Optional(body, "compaction") is { } compaction ? Bool(compaction, "compaction") : false);
    }

    /// <summary>
    /// The first cycle among agents that name each other as tools, as the path that closes it
    /// (<c>a → b → a</c>), or null. <paramref name="calls"/> maps each agent to the agents it calls.
    /// </summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, IReadOnlyList<string>> calls)
    {
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the current path; true: done
        var path = new List<string>();

        IReadOnlyList<string>? Visit(string agent)
        {
            if (state.TryGetValue(agent, out var done))
            {
                return done ? null : [.. path[path.IndexOf(agent)..], agent];
            }

            state[agent] = false;
            path.Add(agent);
            foreach (var callee in calls.TryGetValue(agent, out var callees) ? callees : [])
            {
                if (Visit(callee) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[agent] = true;
            return null;
        }

        foreach (var agent in calls.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(agent) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private static JsonElement? Optional(JsonElement body, string field) =>
        body.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? Text(JsonElement body, string field, int maxLength)
    {
        if (Optional(body, field) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw ApiException.InvalidRequest(field, "must be a string.");
        }

        var text = value.GetString()!;
        return text.Length <= maxLength ? text : throw ApiException.InvalidRequest(field, $"is {text.Length} characters long; at most {maxLength} are allowed.");
    }

    private static bool Bool(JsonElement value, string field) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw ApiException.InvalidRequest(field, "must be true or false.");

    private static AgentModelSettings? Model(JsonElement? model)
    {
        if (model is not { } m)
        {
            return null;
        }

        if (m.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidRequest("model", "must be an object {deployment?, temperature?, maxOutputTokens?}.");
        }

        string? deployment = null;
        float? temperature = null;
        int? maxOutputTokens = null;
        foreach (var property in m.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "deployment" when value.ValueKind == JsonValueKind.Null:
                case "temperature" when value.ValueKind == JsonValueKind.Null:
                case "maxOutputTokens" when value.ValueKind == JsonValueKind.Null:
                    break;
                case "deployment":
                    deployment = value.ValueKind == JsonValueKind.String && DeploymentPattern().IsMatch(value.GetString()!)
                        ? value.GetString()
                        : throw ApiException.InvalidRequest("model.deployment", "must be 1-128 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'.");
                    break;
                case "temperature":
                    temperature = value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out var t) && t is >= 0 and <= 2
                        ? t
                        : throw ApiException.InvalidRequest("model.temperature", "must be a number from 0 to 2.");
                    break;
                case "maxOutputTokens":
                    maxOutputTokens = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n is >= 1 and <= 1_000_000
                        ? n
                        : throw ApiException.InvalidRequest("model.maxOutputTokens", "must be an integer from 1 to 1000000.");
                    break;
                default:
                    throw ApiException.InvalidRequest($"model.{property.Name}", "is not a model setting of an agent (deployment, temperature, maxOutputTokens; the endpoint is an admin setting).");
            }
        }

        return new AgentModelSettings(deployment, temperature, maxOutputTokens);
    }

    private static List<string>? Tools(string name, JsonElement? tools)
    {
        if (tools is not { } list)
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.InvalidRequest("tools", "must be an array of tool and agent names.");
        }

        if (list.GetArrayLength() > MaxTools)
        {
            throw ApiException.InvalidRequest("tools", $"names {list.GetArrayLength()} tools; at most {MaxTools} are allowed.");
        }

        var names = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            var tool = item.ValueKind == JsonValueKind.String ? item.GetString()! : null;
            if (tool is null || !ToolNamePattern().IsMatch(tool))
            {
                throw ApiException.InvalidRequest("tools", "must hold tool or agent names of 1-128 characters of A-Z, a-z, 0-9, '_' and '-'.");
            }

            if (tool == name)
            {
                throw ApiException.InvalidRequest("tools", $"names the agent '{name}' itself: an agent cannot call itself.");
            }

            if (names.Contains(tool, StringComparer.Ordinal))
            {
                throw ApiException.InvalidRequest("tools", $"names '{tool}' twice.");
            }

            names.Add(tool);
        }

        return names;
    }

    private static AgentKnowledgeSettings? Knowledge(JsonElement? knowledge)
    {
        if (knowledge is not { } k)
        {
            return null;
        }

        if (k.ValueKind != JsonValueKind.Object || k.EnumerateObject().Any(p => p.Name != "retrievalTop"))
        {
            throw ApiException.InvalidRequest("knowledge", "must be an object {retrievalTop}.");
        }

        return k.TryGetProperty("retrievalTop", out var top) && top.ValueKind == JsonValueKind.Number && top.TryGetInt32(out var n) && n is >= 0 and <= MaxRetrievalTop
            ? new AgentKnowledgeSettings(n)
            : throw ApiException.InvalidRequest("knowledge.retrievalTop", $"must be an integer from 0 (off) to {MaxRetrievalTop}.");
    }
}
