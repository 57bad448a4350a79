using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentFunctions.Testing;
using Azure;
using Azure.Core.Pipeline;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>
/// A real HTTPS server on 127.0.0.1 (free port, self-signed certificate) that serves the part of the
/// Azure AI Search REST API the SDK uses for our index: index create-or-update, document batches
/// (upload/merge/mergeOrUpload/delete) and POST search, backed by an in-memory dictionary.
/// It enforces the tenant rules and records any breach in <see cref="Violations"/> (and answers 400):
/// every search carries a top-level <c>orgId eq '...'</c> clause, vector queries run in pre-filter mode,
/// every upsert and delete action names its <c>orgId</c>, and a delete never touches another org's chunk.
/// Filters are parsed as the OData subset the app sends (<c>field eq|ge|gt value</c> joined by
/// <c>and</c>); anything else is refused. Ranking: cosine similarity of the vector query (text is ignored).
/// <see cref="PauseIndexing"/> simulates the real service's indexing lag: chunks written while paused are
/// stored (and deletable by key) but no search sees them until <see cref="ResumeIndexing"/>.
/// </summary>
public sealed partial class AzureSearchTestServer : IAsyncLifetime
{
    public const string ApiKey = "test-admin-key";
    private readonly ConcurrentDictionary<string, JsonObject> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _notYetSearchable = new(StringComparer.Ordinal);
    private volatile bool _indexingPaused;
    private int _indexRefusals;
    private LoopbackHttpsServer? _server;

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>The filter of every search request received, in order.</summary>
    public ConcurrentQueue<string?> Filters { get; } = new();

    public ConcurrentQueue<JsonObject> IndexDefinitions { get; } = new();

    public int DocumentCount => _documents.Count;

    /// <summary>The keys of every stored chunk of <paramref name="orgId"/>, searchable or not.</summary>
    public IReadOnlyList<string> StoredKeys(string orgId) =>
        [.. _documents.Values.Where(d => (string?)d["orgId"] == orgId).Select(d => (string)d["id"]!).Order(StringComparer.Ordinal)];

    /// <summary>From now on, writes stay invisible to searches until <see cref="ResumeIndexing"/>.</summary>
    public void PauseIndexing() => _indexingPaused = true;

    /// <summary>The next <paramref name="times"/> index creations answer 403, as while the app's Search roles propagate.</summary>
    public void RefuseIndexCreation(int times) => Interlocked.Exchange(ref _indexRefusals, times);

    /// <summary>Makes every stored chunk searchable again and ends the pause.</summary>
    public void ResumeIndexing()
    {
        _indexingPaused = false;
        _notYetSearchable.Clear();
    }

    public SearchIndexClient CreateClient() => new(Endpoint, new AzureKeyCredential(ApiKey), new SearchClientOptions
    {
        Transport = new HttpClientTransport(_server!.CreateHandler()),
        Retry = { MaxRetries = 0 },
    });

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync(HandleAsync);
        Endpoint = _server.Address;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (http.Request.Headers["api-key"] != ApiKey)
        {
            await ReplyAsync(http, 403, new JsonObject { ["error"] = new JsonObject { ["message"] = "bad api-key" } });
            return;
        }

        var path = Uri.UnescapeDataString(http.Request.Path.Value ?? string.Empty);
        var match = IndexPath().Match(path);
        if (!match.Success)
        {
            await ReplyAsync(http, 404, Error($"Not served by the test server: {http.Request.Method} {path}"));
            return;
        }

        var body = http.Request.ContentLength is > 0 || http.Request.Method is "PUT" or "POST"
            ? await JsonNode.ParseAsync(http.Request.Body) as JsonObject
            : null;
        var operation = match.Groups["op"].Value;
        try
        {
            var (status, reply) = (http.Request.Method, operation) switch
            {
                ("PUT", "") when Interlocked.Decrement(ref _indexRefusals) >= 0 => (403, Error("Forbidden: the caller has no role on this service yet.")),
                ("PUT", "") => CreateOrUpdateIndex(body!),
                ("GET", "") => IndexDefinitions.IsEmpty ? (404, Error("No such index.")) : (200, IndexDefinitions.Last()),
                ("POST", "/docs/search.index") => IndexBatch(body!),
                ("POST", "/docs/search.post.search") => Search(body!),
                ("GET", _) when match.Groups["key"].Success => Lookup(match.Groups["key"].Value),
                _ => (404, Error($"Not served by the test server: {http.Request.Method} {path}")),
            };
            await ReplyAsync(http, status, reply);
        }
        catch (FormatException e)
        {
            await ReplyAsync(http, 400, Error(e.Message));
        }
    }

    /// <summary>A point lookup by key (Get Document): the stored fields but the vector, 404 for an unknown key.</summary>
    private (int, JsonObject) Lookup(string key)
    {
        if (!_documents.TryGetValue(key, out var stored))
        {
            return (404, Error($"No document with key {key}."));
        }

        var reply = stored.DeepClone().AsObject();
        reply.Remove("embedding");
        return (200, reply);
    }

    private (int, JsonObject) CreateOrUpdateIndex(JsonObject definition)
    {
        IndexDefinitions.Enqueue(definition);
        return (201, definition);
    }

    private (int, JsonObject) IndexBatch(JsonObject batch)
    {
        var results = new JsonArray();
        foreach (var action in batch["value"]!.AsArray().Cast<JsonObject>())
        {
            var kind = (string?)action["@search.action"] ?? "upload";
            var key = (string?)action["id"] ?? throw Violation("An index action without a key.");
            var org = (string?)action["orgId"];
            if (string.IsNullOrEmpty(org))
            {
                throw Violation($"A '{kind}' action without orgId (key {key}).");
            }

            if (_documents.TryGetValue(key, out var existing) && (string?)existing["orgId"] != org)
            {
                throw Violation($"A '{kind}' action of org {org} on a chunk of org {existing["orgId"]}.");
            }

            if (kind == "delete")
            {
                _documents.TryRemove(key, out _);
                _notYetSearchable.TryRemove(key, out _);
            }
            else
            {
                var stored = (JsonObject)action.DeepClone();
                stored.Remove("@search.action");
                _documents[key] = stored;
                if (_indexingPaused)
                {
                    _notYetSearchable[key] = true;
                }
            }

            results.Add(new JsonObject { ["key"] = key, ["status"] = true, ["errorMessage"] = null, ["statusCode"] = kind == "upload" ? 201 : 200 });
        }

        return (200, new JsonObject { ["value"] = results });
    }

    private (int, JsonObject) Search(JsonObject request)
    {
        var filter = (string?)request["filter"];
        Filters.Enqueue(filter);
        var clauses = ParseFilter(filter);
        if (!clauses.Any(c => c.Field == "orgId" && c.Op == "eq" && c.Value is string))
        {
            throw Violation($"A search without a top-level orgId eq filter: {filter ?? "(none)"}");
        }

        var matches = _documents.Values.Where(doc => !_notYetSearchable.ContainsKey((string)doc["id"]!) && clauses.All(c => c.Matches(doc))).ToList();
        var top = (int?)request["top"] ?? 50;
        IEnumerable<(JsonObject Doc, double Score)> ranked;
        if (request["vectorQueries"] is JsonArray { Count: > 0 } vectorQueries)
        {
            if ((string?)request["vectorFilterMode"] != "preFilter")
            {
                throw Violation("A vector query that is not in preFilter mode.");
            }

            var query = vectorQueries[0]!["vector"]!.AsArray().Select(v => (double)v!).ToArray();
            var k = (int?)vectorQueries[0]!["k"] ?? top;
            ranked = matches.Select(doc => (doc, Cosine(query, doc["embedding"]!.AsArray().Select(v => (double)v!).ToArray())))
                .OrderByDescending(x => x.Item2).Take(k);
        }
        else
        {
            var ordered = (string?)request["orderby"] == "id asc" ? matches.OrderBy(d => (string)d["id"]!, StringComparer.Ordinal) : matches.AsEnumerable();
            ranked = ordered.Select(doc => (doc, 1.0));
        }

        var select = ((string?)request["select"])?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var value = new JsonArray();
        foreach (var (doc, score) in ranked.Take(top))
        {
            var result = new JsonObject { ["@search.score"] = score };
            foreach (var (name, node) in doc)
            {
                if (select is null || select.Contains(name))
                {
                    result[name] = node?.DeepClone();
                }
            }

            value.Add(result);
        }

        return (200, new JsonObject { ["value"] = value });
    }

    private FormatException Violation(string message)
    {
        Violations.Enqueue(message);
        return new FormatException(message);
    }

    private List<Clause> ParseFilter(string? filter)
    {
        var clauses = new List<Clause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return clauses;
        }

        var position = 0;
        while (true)
        {
            var match = ClauseSyntax().Match(filter, position);
            if (!match.Success || match.Index != position)
            {
                throw Violation($"Filter outside the supported subset: {filter}");
            }

            object value = match.Groups["str"].Success
                ? match.Groups["str"].Value.Replace("''", "'", StringComparison.Ordinal)
                : long.Parse(match.Groups["num"].Value, System.Globalization.CultureInfo.InvariantCulture);
            clauses.Add(new Clause(match.Groups["field"].Value, match.Groups["op"].Value, value));
            position = match.Index + match.Length;
            if (position == filter.Length)
            {
                return clauses;
            }

            if (!filter.AsSpan(position).StartsWith(" and ", StringComparison.Ordinal))
            {
                throw Violation($"Filter outside the supported subset: {filter}");
            }

            position += " and ".Length;
        }
    }

    private static double Cosine(double[] a, double[] b)
    {
        if (a.Length != b.Length)
        {
            throw new FormatException("Vector length differs from the field's dimensions.");
        }

        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / (Math.Sqrt(na) * Math.Sqrt(nb));
    }

    private static JsonObject Error(string message) => new() { ["error"] = new JsonObject { ["code"] = "", ["message"] = message } };

    private static async Task ReplyAsync(HttpContext http, int status, JsonObject body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; odata.metadata=minimal";
        await http.Response.WriteAsync(body.ToJsonString());
    }

    [GeneratedRegex(@"^/indexes\('(?<name>[a-z0-9-]+)'\)(?<op>/docs/search\.index|/docs/search\.post\.search|/docs\('(?<key>[A-Za-z0-9_=-]+)'\)|)$")]
    private static partial Regex IndexPath();

    [GeneratedRegex(@"\G(?<field>orgId|documentId|chunk|id) (?<op>eq|ge|gt) (?:'(?<str>(?:[^']|'')*)'|(?<num>-?[0-9]+))")]
    private static partial Regex ClauseSyntax();

    private sealed record Clause(string Field, string Op, object Value)
    {
        public bool Matches(JsonObject document)
        {
            var node = document[Field];
            int comparison = Value switch
            {
                string text => string.CompareOrdinal((string?)node, text),
                long number => node is null ? -1 : ((long)node).CompareTo(number),
                _ => throw new FormatException("Unsupported value."),
            };
            return Op switch
            {
                "eq" => comparison == 0,
                "ge" => comparison >= 0,
                "gt" => comparison > 0,
                _ => false,
            };
        }
    }
}
