using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Tests.OpenAi;

public sealed class ChatCompletionRequestTests
{
    [Fact]
    public void Parse_FullRequest_MapsMessagesInstructionsToolsAndSettings()
    {
        var request = Parse("""
            {"model":"default","stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"top_p":0.9,"max_completion_tokens":99,"seed":7,"stop":"END",
             "user":"u1","metadata":{"k":"v"},"n":1,"logprobs":false,
             "messages":[
               {"role":"system","content":"Be brief."},
               {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
               {"role":"user","content":"Weather?"},
               {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"18C"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather.","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},
             "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}}}
            """);

        Assert.Equal(("default", true, true), (request.Model, request.Stream, request.IncludeUsage));
        Assert.Equal(["Be brief.", "Use metric units."], request.Call.Instructions);
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool], request.Call.Messages.Select(m => m.Role));
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(request.Call.Messages[1].Contents));
        Assert.Equal(("call_1", "get_weather", "Paris"), (call.CallId, call.Name, call.Arguments!["city"]!.ToString()));
        Assert.Equal("18C", Assert.IsType<FunctionResultContent>(Assert.Single(request.Call.Messages[2].Contents)).Result);
        var options = request.Call.Options!;
        Assert.Equal((0.2f, 0.9f, 99, 7L), (options.Temperature, options.TopP, options.MaxOutputTokens, options.Seed));
        Assert.Equal(["END"], options.StopSequences!);
        var tool = Assert.IsAssignableFrom<AIFunctionDeclaration>(Assert.Single(options.Tools!));
        Assert.IsNotAssignableFrom<AIFunction>(tool); // a declaration only: the client runs it
        Assert.Equal("get_weather", tool.Name);
        Assert.Equal("get_weather", Assert.IsType<RequiredChatToolMode>(options.ToolMode).RequiredFunctionName);
        Assert.Equal("w", Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat).SchemaName);
        Assert.Null(request.Call.ConversationId); // stateless
    }

    [Fact]
    public void Parse_MaxTokensAlone_IsTheOutputLimit()
    {
        Assert.Equal(12, Parse("""{"model":"default","max_tokens":12,"messages":[{"role":"user","content":"hi"}]}""").Call.Options!.MaxOutputTokens);
    }

    [Fact]
    public void Parse_JsonObjectFormat_Json()
    {
        var format = Parse("""{"model":"default","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}""").Call.Options!.ResponseFormat;

        Assert.Same(ChatResponseFormat.Json, format);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"default","messages":[]}""", "messages")]
    [InlineData("""{"model":"default","messages":[{"role":"system","content":"only instructions"}]}""", "messages")]
    [InlineData("""{"model":"default","n":2,"messages":[{"role":"user","content":"hi"}]}""", "n")]
    [InlineData("""{"model":"default","logprobs":true,"messages":[{"role":"user","content":"hi"}]}""", "logprobs")]
    [InlineData("""{"model":"default","audio":{"voice":"x"},"messages":[{"role":"user","content":"hi"}]}""", "audio")]
    [InlineData("""{"model":"default","functions":[],"messages":[{"role":"user","content":"hi"}]}""", "functions")]
    [InlineData("""{"model":"default","made_up":1,"messages":[{"role":"user","content":"hi"}]}""", "made_up")]
    [InlineData("""{"model":"default","temperature":3,"messages":[{"role":"user","content":"hi"}]}""", "temperature")]
    [InlineData("""{"model":"default","max_completion_tokens":0,"messages":[{"role":"user","content":"hi"}]}""", "max_completion_tokens")]
    [InlineData("""{"model":"default","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"default","messages":[{"role":"function","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"default","messages":[{"role":"tool","content":"x"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"model":"default","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"custom","custom":{}}]}""", "tools[0].type")]
    [InlineData("""{"model":"default","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"bad name"}}]}""", "tools[0].function.name")]
    [InlineData("""{"model":"default","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"a"}}]}""", "tools")]
    [InlineData("""{"model":"default","messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"function","function":{"name":"nope"}}}""", "tool_choice.name")]
    [InlineData("""{"model":"default","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"grammar"}}""", "response_format.type")]
    [InlineData("""{"model":"default","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"not json"}}]},{"role":"user","content":"hi"}]}""", "messages[0].tool_calls[0].function.arguments")]
    public void Parse_BadOrUnsupportedField_400NamingTheField(string body, string field)
    {
        var error = Assert.Throws<ApiException>(() => Parse(body));

        Assert.Equal((400, ErrorCodes.InvalidRequest, field), (error.Status, error.Code, error.Field));
    }

    private static ChatCompletionRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ChatCompletionRequest.Parse(document.RootElement);
    }
}
