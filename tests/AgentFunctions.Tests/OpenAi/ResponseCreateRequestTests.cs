using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Tests.OpenAi;

public sealed class ResponseCreateRequestTests
{
    [Fact]
    public void Parse_StringInput_OneUserMessageStoredByDefault()
    {
        var request = Parse("""{"model":"default","input":"Hello"}""");

        Assert.Equal(("Hello", true, false), (Assert.Single(request.Input).Text, request.Store, request.Stream));
        Assert.Null(request.PreviousResponseId);
    }

    [Fact]
    public void Parse_ItemsToolsAndFormat_MapsEveryItemKind()
    {
        var request = Parse("""
            {"model":"default","instructions":"Be brief.","store":false,"stream":true,"max_output_tokens":64,"metadata":{"ticket":"42"},
             "previous_response_id":"resp_0123456789abcdef0123456789abcdef",
             "input":[
               {"type":"message","role":"developer","content":"Metric units."},
               {"role":"user","content":[{"type":"input_text","text":"Weather?"}]},
               {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
               {"type":"function_call_output","call_id":"c1","output":"18C"}],
             "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}],
             "tool_choice":{"type":"function","name":"get_weather"},
             "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"}}}}
            """);

        Assert.Equal(["Be brief.", "Metric units."], request.Instructions);
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool], request.Input.Select(m => m.Role));
        Assert.Equal((false, true, 64), (request.Store, request.Stream, request.Options.MaxOutputTokens));
        Assert.Equal("resp_0123456789abcdef0123456789abcdef", request.PreviousResponseId);
        Assert.Equal("42", request.Metadata["ticket"]);
        Assert.Equal("get_weather", Assert.Single(request.Options.Tools!).Name);
        Assert.Equal("get_weather", Assert.IsType<RequiredChatToolMode>(request.Options.ToolMode).RequiredFunctionName);
        Assert.Equal("w", Assert.IsType<ChatResponseFormatJson>(request.Options.ResponseFormat).SchemaName);
        Assert.Equal("Be brief.", request.Echo.Instructions);
    }

    [Theory]
    [InlineData("""{"input":"hi"}""", "model")]
    [InlineData("""{"model":"default"}""", "input")]
    [InlineData("""{"model":"default","input":""}""", "input")]
    [InlineData("""{"model":"default","input":"hi","previous_response_id":"resp_../../x"}""", "previous_response_id")]
    [InlineData("""{"model":"default","input":"hi","previous_response_id":"resp_0123456789abcdef0123456789abcdef","conversation":"c1"}""", "conversation")]
    [InlineData("""{"model":"default","input":"hi","conversation":"bad/id"}""", "conversation")]
    [InlineData("""{"model":"default","input":"hi","background":true}""", "background")]
    [InlineData("""{"model":"default","input":"hi","include":["reasoning.encrypted_content"]}""", "include")]
    [InlineData("""{"model":"default","input":"hi","reasoning":{"effort":"high"}}""", "reasoning")]
    [InlineData("""{"model":"default","input":"hi","tools":[{"type":"web_search"}]}""", "tools[0].type")]
    [InlineData("""{"model":"default","input":[{"type":"item_reference","id":"x"}]}""", "input[0].type")]
    [InlineData("""{"model":"default","input":[{"role":"user","content":[{"type":"input_image","image_url":"http://x"}]}]}""", "input[0].content[0].type")]
    [InlineData("""{"model":"default","input":[{"type":"function_call_output","output":"x"}]}""", "input[0].call_id")]
    [InlineData("""{"model":"default","input":"hi","text":{"format":{"type":"json_schema","schema":{}}}}""", "text.format.name")]
    [InlineData("""{"model":"default","input":"hi","metadata":{"k":1}}""", "metadata.k")]
    public void Parse_BadOrUnsupportedField_400NamingTheField(string body, string field)
    {
        var error = Assert.Throws<ApiException>(() => Parse(body));

        Assert.Equal((400, ErrorCodes.InvalidRequest, field), (error.Status, error.Code, error.Field));
    }

    [Theory]
    [InlineData("resp_0123456789abcdef0123456789abcdef", true)]
    [InlineData("resp_0123456789ABCDEF0123456789abcdef", false)]
    [InlineData("resp_0123", false)]
    [InlineData("msg_0123456789abcdef0123456789abcdef", false)]
    public void IsResponseId_Shapes(string id, bool expected) => Assert.Equal(expected, ResponseCreateRequest.IsResponseId(id));

    private static ResponseCreateRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ResponseCreateRequest.Parse(document.RootElement);
    }
}
