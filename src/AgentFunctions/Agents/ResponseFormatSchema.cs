using System.Text.Json;
using AgentFunctions.Errors;
using Json.Schema;

namespace AgentFunctions.Agents;

/// <summary>
/// Structured output: a JSON schema (draft 2020-12, checked against its meta-schema and built by JsonSchema.Net) that the
/// model's answer must validate against. Each schema is built with a registry of its own, so an <c>$id</c> in one org's
/// schema is never visible to another's and nothing is fetched from the network.
/// </summary>
internal sealed class ResponseFormatSchema
{
    private static readonly JsonDocument Probe = JsonDocument.Parse("{}");

    private readonly JsonSchema _schema;

    private ResponseFormatSchema(JsonElement element, JsonSchema schema)
    {
        Element = element;
        _schema = schema;
    }

    /// <summary>The schema as the client sent it (what the model is asked to follow).</summary>
    public JsonElement Element { get; }

    /// <summary>A 400 naming <paramref name="field"/> unless <paramref name="element"/> is a valid JSON schema object; returns a copy that outlives its document.</summary>
    public static JsonElement EnsureValid(JsonElement element, string field)
    {
        Create(element, field);
        return element.Clone();
    }

    public static ResponseFormatSchema Create(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidRequest(field, "must be a JSON schema object.");
        }

        if (element.GetRawText().Length > AgentDefinitionRules.MaxResponseFormatLength)
        {
            throw ApiException.InvalidRequest(field, $"is longer than {AgentDefinitionRules.MaxResponseFormatLength} characters of JSON.");
        }

        if (!MetaSchemas.Draft202012.Evaluate(element).IsValid)
        {
            throw ApiException.InvalidRequest(field, "is not a valid JSON schema (draft 2020-12).");
        }

        try
        {
            var schema = JsonSchema.Build(element, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            schema.Evaluate(Probe.RootElement); // references resolve at evaluation: one that cannot fails here, not on a run
            return new ResponseFormatSchema(element.Clone(), schema);
        }
        catch (Exception e) when (e is JsonSchemaException or RefResolutionException or JsonException or ArgumentException or InvalidOperationException)
        {
            throw ApiException.InvalidRequest(field, "is not a valid JSON schema (draft 2020-12): it cannot be compiled (an unresolvable $ref?).");
        }
    }

    /// <summary>The answer parsed, when it is JSON that validates against the schema; otherwise null.</summary>
    public JsonElement? Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return _schema.Evaluate(document.RootElement).IsValid ? document.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is JsonException or RefResolutionException)
        {
            return null;
        }
    }
}
