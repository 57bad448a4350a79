using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;

namespace AgentFunctions.Tests.Agents;

public sealed class AgentDefinitionRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("support-2")]
    [InlineData("0abc")]
    public void Parse_ValidName_Accepted(string name) => Assert.Equal(name, AgentDefinitionRules.Parse(name, Json("{}")).Name);

    [Theory]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData("Support")]
    [InlineData("a_b")]
    [InlineData("a|b")]
    public void Parse_InvalidName_400NamingName(string name) => AssertRefused("'name'", () => AgentDefinitionRules.Parse(name, Json("{}")));

    [Fact]
    public void Parse_NameOf65Characters_400() => AssertRefused("'name'", () => AgentDefinitionRules.Parse(new string('a', 65), Json("{}")));

    [Fact]
    public void Parse_Instructions16000_AcceptedAnd16001Refused()
    {
        Assert.Equal(16_000, AgentDefinitionRules.Parse("a", Json($$"""{"instructions":"{{new string('x', 16_000)}}"}""")).Instructions!.Length);
        AssertRefused("'instructions'", () => AgentDefinitionRules.Parse("a", Json($$"""{"instructions":"{{new string('x', 16_001)}}"}""")));
    }

    [Theory]
    [InlineData("""{"colour":"red"}""", "'colour'")]
    [InlineData("""{"instructions":5}""", "'instructions'")]
    [InlineData("""{"model":{"temperature":3}}""", "'model.temperature'")]
    [InlineData("""{"model":{"maxOutputTokens":0}}""", "'model.maxOutputTokens'")]
    [InlineData("""{"model":{"endpoint":"https://x"}}""", "'model.endpoint'")]
    [InlineData("""{"model":{"deployment":"a b"}}""", "'model.deployment'")]
    [InlineData("""{"tools":"get_record"}""", "'tools'")]
    [InlineData("""{"tools":["a", "a"]}""", "'tools'")]
    [InlineData("""{"tools":["me"]}""", "'tools'")]
    [InlineData("""{"tools":["bad name"]}""", "'tools'")]
    [InlineData("""{"knowledge":{"retrievalTop":21}}""", "'knowledge.retrievalTop'")]
    [InlineData("""{"compaction":"yes"}""", "'compaction'")]
    [InlineData("""{"responseFormat":"json"}""", "'responseFormat'")]
    [InlineData("""{"responseFormat":{"type":"objekt"}}""", "'responseFormat'")]
    [InlineData("""{"responseFormat":{"type":"object","required":"a"}}""", "'responseFormat'")]
    [InlineData("""{"responseFormat":{"$ref":"https://example.com/elsewhere.json"}}""", "'responseFormat'")]
    public void Parse_BadField_400NamingIt(string body, string field) => AssertRefused(field, () => AgentDefinitionRules.Parse("me", Json(body)));

    [Fact]
    public void Parse_ValidSchema_KeptAsSent()
    {
        var definition = AgentDefinitionRules.Parse("a", Json("""{"responseFormat":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}}"""));

        Assert.Equal("integer", definition.ResponseFormat!.Value.GetProperty("properties").GetProperty("n").GetProperty("type").GetString());
        Assert.False(definition.Compaction);
    }

    [Fact]
    public void FindCycle_NoCycle_Null()
    {
        var calls = Calls(("a", ["b", "c"]), ("b", ["c"]), ("c", []));

        Assert.Null(AgentDefinitionRules.FindCycle(calls));
    }

    [Fact]
    public void FindCycle_ThreeAgents_ReturnsClosingPath()
    {
        var calls = Calls(("a", ["b"]), ("b", ["c"]), ("c", ["a"]), ("d", ["a"]));

        Assert.Equal(["a", "b", "c", "a"], AgentDefinitionRules.FindCycle(calls)!);
    }

    [Fact]
    public void FindCycle_DiamondWithoutCycle_Null()
    {
        var calls = Calls(("a", ["b", "c"]), ("b", ["d"]), ("c", ["d"]), ("d", []));

        Assert.Null(AgentDefinitionRules.FindCycle(calls));
    }

    [Fact]
    public void FindCycle_CalleeNotDefined_Null() => Assert.Null(AgentDefinitionRules.FindCycle(Calls(("a", ["b"]))));

    private static Dictionary<string, IReadOnlyList<string>> Calls(params (string Agent, string[] Callees)[] edges) =>
        edges.ToDictionary(e => e.Agent, e => (IReadOnlyList<string>)e.Callees);

    private static void AssertRefused(string field, Action act)
    {
        var refused = Assert.Throws<ApiException>(act);
        Assert.Equal((400, ErrorCodes.InvalidRequest), (refused.Status, refused.Code));
        Assert.Contains(field, refused.Message, StringComparison.Ordinal);
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
