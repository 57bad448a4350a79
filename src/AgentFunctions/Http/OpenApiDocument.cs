using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentFunctions.Http;

/// <summary>
/// The OpenAPI document of the HTTP API (<c>GET /api/openapi.json</c>), written by hand as JSON next to the
/// functions it describes: <c>Functions/openapi.json</c> holds what every route shares (info, security schemes,
/// the problem schemas and responses), and one <c>*.openapi.json</c> fragment per function class holds that
/// class's <c>paths</c> and the <c>components</c> only it uses. The fragments are embedded resources merged
/// once at first use; a path or component defined twice is an error, so fragments never silently override
/// each other. Tests keep the document and the functions from drifting apart (docs/openapi.md).
/// </summary>
internal static class OpenApiDocument
{
    public const string ResourcePrefix = "OpenApi/";
    public const string RootName = "openapi.json";
    public const string FragmentSuffix = ".openapi.json";

    private static readonly Lazy<byte[]> Utf8 = new(() =>
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Load().WriteTo(writer);
        }

        return buffer.ToArray();
    });

    /// <summary>The merged document as UTF-8 JSON. The bytes are shared: never change them.</summary>
    public static byte[] GetUtf8Json() => Utf8.Value;

    /// <summary>Reads the root and every fragment embedded in this assembly and merges them.</summary>
    public static JsonObject Load()
    {
        var assembly = typeof(OpenApiDocument).Assembly;
        var fragments = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(FragmentSuffix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (name[ResourcePrefix.Length..], Read(assembly, name)));
        return Merge(Read(assembly, ResourcePrefix + RootName), fragments);
    }

    /// <summary>
    /// Adds each fragment's <c>paths</c>, <c>components</c> (per section) and <c>tags</c> to <paramref name="root"/>.
    /// Throws naming the fragment on anything else, and on a path, component or tag that is already defined.
    /// </summary>
    public static JsonObject Merge(JsonObject root, IEnumerable<(string Name, JsonObject Fragment)> fragments)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(fragments);
        foreach (var (name, fragment) in fragments)
        {
            foreach (var (key, value) in fragment.ToList())
            {
                fragment.Remove(key);
                switch (key)
                {
                    case "paths":
                        MoveAll(AsObject(value, name, key), Section(root, "paths"), name, "path");
                        break;
                    case "components":
                        foreach (var (section, entries) in AsObject(value, name, key).ToList())
                        {
                            MoveAll(AsObject(entries, name, $"components.{section}"), Section(Section(root, "components"), section), name, $"components.{section}");
                        }

                        break;
                    case "tags":
                        AddTags(root, value as JsonArray ?? throw Invalid(name, "'tags' must be an array."), name);
                        break;
                    default:
                        throw Invalid(name, $"'{key}' cannot be set by a fragment; only 'paths', 'components' and 'tags' (the rest is in {RootName}).");
                }
            }
        }

        return root;
    }

    private static void MoveAll(JsonObject from, JsonObject to, string fragment, string what)
    {
        foreach (var (key, value) in from.ToList())
        {
            if (to.ContainsKey(key))
            {
                throw Invalid(fragment, $"{what} '{key}' is already defined by another part of the document.");
            }

            from.Remove(key);
            to[key] = value;
        }
    }

    private static void AddTags(JsonObject root, JsonArray tags, string fragment)
    {
        var all = root["tags"] as JsonArray ?? [];
        root["tags"] = all;
        foreach (var tag in tags.ToList())
        {
            var tagName = tag?["name"]?.GetValue<string>();
            if (all.Any(t => t?["name"]?.GetValue<string>() == tagName))
            {
                throw Invalid(fragment, $"tag '{tagName}' is already defined by another part of the document.");
            }

            tags.Remove(tag);
            all.Add(tag);
        }
    }

    private static JsonObject Section(JsonObject parent, string key) =>
        parent[key] as JsonObject ?? (JsonObject)(parent[key] = new JsonObject());

    private static JsonObject AsObject(JsonNode? node, string fragment, string key) =>
        node as JsonObject ?? throw Invalid(fragment, $"'{key}' must be an object.");

    private static JsonObject Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The OpenAPI resource '{resource}' is not embedded in {assembly.GetName().Name}.");
        return JsonNode.Parse(stream, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow }) as JsonObject
            ?? throw Invalid(resource, "must be a JSON object.");
    }

    private static InvalidOperationException Invalid(string fragment, string problem) =>
        new($"OpenAPI fragment {fragment}: {problem}");
}
