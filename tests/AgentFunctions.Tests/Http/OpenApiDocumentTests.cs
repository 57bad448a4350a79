using System.Reflection;
using System.Text.Json.Nodes;
using AgentFunctions.Errors;
using AgentFunctions.Http;

namespace AgentFunctions.Tests.Http;

public sealed class OpenApiDocumentTests
{
    [Fact]
    public void Load_EmbeddedRootAndFragments_MergesEveryFragmentsPathsAndComponents()
    {
        var document = OpenApiDocument.Load();

        Assert.Equal("3.1.0", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject();
        Assert.Contains("/api/agent/run", paths.Select(p => p.Key));
        Assert.Contains("/api/admin/orgs/{orgId}/keys/{keyId}", paths.Select(p => p.Key));
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("Problem", schemas.Select(s => s.Key));
        Assert.Contains("AgentRunResult", schemas.Select(s => s.Key));
        Assert.Equal(["AdminKey", "ApiKey", "Bearer"], document["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key).Order());
    }

    [Fact]
    public void Load_ErrorCodeEnum_IsExactlyTheAppsErrorCodes()
    {
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        var documented = OpenApiDocument.Load()["components"]!["schemas"]!["ErrorCode"]!["enum"]!.AsArray()
            .Select(c => c!.GetValue<string>())
            .Order(StringComparer.Ordinal);

        Assert.Equal(codes, documented);
    }

    [Fact]
    public void GetUtf8Json_Twice_SameParsableDocument()
    {
        var first = OpenApiDocument.GetUtf8Json();

        Assert.Same(first, OpenApiDocument.GetUtf8Json());
        Assert.Equal("3.1.0", JsonNode.Parse(first)!["openapi"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"paths": {"/api/health": {}}}""", "path '/api/health' is already defined")]
    [InlineData("""{"components": {"schemas": {"Problem": {}}}}""", "components.schemas 'Problem' is already defined")]
    [InlineData("""{"tags": [{"name": "Agent"}]}""", "tag 'Agent' is already defined")]
    [InlineData("""{"info": {"title": "mine"}}""", "'info' cannot be set by a fragment")]
    [InlineData("""{"paths": []}""", "'paths' must be an object")]
    public void Merge_FragmentRedefiningOrSettingSharedParts_ThrowsNamingTheFragment(string fragment, string expected)
    {
        var root = JsonNode.Parse("""{"openapi": "3.1.0", "tags": [{"name": "Agent"}], "paths": {"/api/health": {}}, "components": {"schemas": {"Problem": {}}}}""")!.AsObject();

        var error = Assert.Throws<InvalidOperationException>(() => OpenApiDocument.Merge(root, [("Mine.openapi.json", JsonNode.Parse(fragment)!.AsObject())]));

        Assert.Contains("Mine.openapi.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_NewPathsComponentsAndTags_AddsThemToTheRoot()
    {
        var root = JsonNode.Parse("""{"openapi": "3.1.0", "paths": {"/api/health": {}}, "components": {"schemas": {"Problem": {}}}}""")!.AsObject();
        var fragment = JsonNode.Parse("""{"paths": {"/api/agents": {}}, "components": {"schemas": {"Agent": {}}, "parameters": {"AgentName": {}}}, "tags": [{"name": "Agents"}]}""")!.AsObject();

        var merged = OpenApiDocument.Merge(root, [("Agents.openapi.json", fragment)]);

        Assert.Equal(["/api/health", "/api/agents"], merged["paths"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["Problem", "Agent"], merged["components"]!["schemas"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["AgentName"], merged["components"]!["parameters"]!.AsObject().Select(p => p.Key));
        Assert.Equal("Agents", merged["tags"]![0]!["name"]!.GetValue<string>());
    }
}
