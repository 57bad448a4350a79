using System.ClientModel;
using System.Text.Json;
using AgentFunctions.Testing;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatMessage = OpenAI.Chat.ChatMessage;
using ChatResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace AgentFunctions.EndToEndTests.OpenAi;

/// <summary><c>/api/v1/chat/completions</c> and <c>/api/v1/models</c> through the real worker with the official OpenAI .NET client.</summary>
[Collection(OpenAiHostGroup.Name)]
public sealed class ChatCompletionsTests(OpenAiHost host)
{
    private const string Prompt = "You are the chat org's assistant.";

    [Fact]
    public async Task CompleteChat_OrgKeyAsApiKey_AnswersWithOrgPromptFirstClientInstructionsAfterAndStoresNothing()
    {
        var (org, key) = await NewOrgAsync("chat-plain", new { displayName = "Chat", systemPrompt = Prompt });
        var chat = host.OpenAi(key).GetChatClient("default");
        var before = host.Model.ChatRequests.Count;

        ChatCompletion completion = await chat.CompleteChatAsync([new SystemChatMessage("Answer in French."), new UserChatMessage("Hello there")]);

        Assert.Equal("Echo: Hello there", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("default", completion.Model);
        Assert.True(completion.Usage.InputTokenCount > 0 && completion.Usage.OutputTokenCount == 3, $"usage {completion.Usage.InputTokenCount}/{completion.Usage.OutputTokenCount}");
        var sent = host.Model.ChatRequests[^1];
        Assert.Equal(before + 1, host.Model.ChatRequests.Count);
        Assert.Equal(OpenAiHost.PlatformModel, sent.Model);
        Assert.Equal(("system", Prompt), (sent.Messages[0].Role, sent.Messages[0].Content));
        Assert.Equal(("system", "Answer in French."), (sent.Messages[1].Role, sent.Messages[1].Content));
        Assert.Equal(("user", "Hello there"), (sent.Messages[^1].Role, sent.Messages[^1].Content));
        Assert.Empty(await host.RowsAsync("Conversations", org));
    }

    [Fact]
    public async Task CompleteChatStreaming_WithUsage_StreamsTheAnswerThenFinishReasonAndUsage()
    {
        var (_, key) = await NewOrgAsync("chat-stream");
        var chat = host.OpenAi(key).GetChatClient("default");
        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("stream these four words")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Echo: stream these four words", text.ToString());
        Assert.True(updates >= 5, $"{updates} updates: the answer arrives in pieces");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(5, usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChat_ClientTool_ReturnedAsToolCallThenTheClientsResultReachesTheModel()
    {
        var (_, key) = await NewOrgAsync("chat-tools");
        var chat = host.OpenAi(key).GetChatClient("default");
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("get_weather", "The weather in a city.", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")) },
        };
        host.Model.Enqueue(OpenAiScript.CallTool("get_weather", """{"city":"Paris"}"""));
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await chat.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        Assert.Contains("get_weather", host.Model.ChatRequests[^1].ToolNames);
        Assert.Contains("search_knowledge", host.Model.ChatRequests[^1].ToolNames); // the org's own tools stay server-side

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18 degrees and sunny"));
        ChatCompletion second = await chat.CompleteChatAsync(messages, options);

        Assert.Equal("Tool result: 18 degrees and sunny", second.Content[0].Text);
        var sent = host.Model.ChatRequests[^1];
        Assert.Equal(("tool", call.Id), (sent.Messages[^1].Role, sent.Messages[^1].ToolCallId));
    }

    [Fact]
    public async Task CompleteChatStreaming_ClientTool_StreamsTheToolCallWithFinishReasonToolCalls()
    {
        var (_, key) = await NewOrgAsync("chat-stream-tools");
        var chat = host.OpenAi(key).GetChatClient("default");
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("lookup_order", "An order by number.") } };
        host.Model.Enqueue(OpenAiScript.CallTool("lookup_order", """{"number":"A-17"}"""));
        var names = new List<string>();
        var arguments = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Where is order A-17?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.FunctionName is { } name)
                {
                    names.Add(name);
                }

                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(["lookup_order"], names);
        Assert.Equal("A-17", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("number").GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task CompleteChat_JsonSchemaFormat_ModelAskedForTheSchemaAndTheJsonComesBack()
    {
        var (_, key) = await NewOrgAsync("chat-json");
        var chat = host.OpenAi(key).GetChatClient("default");
        const string schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""";
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("city_answer", BinaryData.FromString(schema), jsonSchemaIsStrict: true) };
        host.Model.Enqueue(OpenAiScript.Reply("""{"city":"Paris"}"""));

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Which city?")], options);

        Assert.Equal("Paris", JsonDocument.Parse(completion.Content[0].Text).RootElement.GetProperty("city").GetString());
        var format = host.Model.ChatRequests[^1].Json.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("city_answer", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.Equal("string", format.GetProperty("json_schema").GetProperty("schema").GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
    }

    [Fact]
    public async Task CompleteChat_TemperatureAndMaxTokens_TemperatureSentAndTokensCappedByTheOrgsLimit()
    {
        var (_, key) = await NewOrgAsync("chat-limits", new { displayName = "Limits", model = new { maxOutputTokens = 50 } });
        var chat = host.OpenAi(key).GetChatClient("default");

        await chat.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 0.25f, MaxOutputTokenCount = 1000 });
        var capped = host.Model.ChatRequests[^1];
        await chat.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 20 });
        var lower = host.Model.ChatRequests[^1];

        Assert.Equal(0.25, capped.Temperature!.Value, 3);
        Assert.Equal(50, capped.MaxTokens);
        Assert.Equal(20, lower.MaxTokens);
    }

    [Fact]
    public async Task ChatCompletions_NGreaterThanOneOrUnsupportedField_400NamingTheFieldAndNoModelCall()
    {
        var (_, key) = await NewOrgAsync("chat-invalid");
        var before = host.Model.Requests.Count;
        object[] bodies =
        [
            new { model = "default", messages = new[] { new { role = "user", content = "hi" } }, n = 2 },
            new { model = "default", messages = new[] { new { role = "user", content = "hi" } }, logprobs = true },
            new { model = "default", messages = new[] { new { role = "user", content = new[] { new { type = "image_url", image_url = new { url = "http://x" } } } } } },
        ];
        string[] fields = ["n", "logprobs", "messages[0].content[0].type"];

        for (var i = 0; i < bodies.Length; i++)
        {
            var (response, body) = await host.SendAsync(HttpMethod.Post, "api/v1/chat/completions", key, bodies[i]);
            OpenAiErrorAssert.Is(response, body, 400, "invalid_request", fields[i]);
        }

        Assert.Equal(before, host.Model.Requests.Count);
    }

    [Fact]
    public async Task CompleteChat_UnknownModel_404ModelNotFound()
    {
        var (_, key) = await NewOrgAsync("chat-model");

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => host.OpenAi(key).GetChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, refused.Status);
        var (response, body) = await host.SendAsync(HttpMethod.Post, "api/v1/chat/completions", key, new { model = "gpt-4o", messages = new[] { new { role = "user", content = "hi" } } });
        OpenAiErrorAssert.Is(response, body, 404, "model_not_found", "model");
    }

    [Fact]
    public async Task V1Routes_BogusBearerKey_401InTheOpenAiEnvelopeAndNoModelCall()
    {
        var before = host.Model.Requests.Count;

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => host.OpenAi("afk.nobody.0123456789abcdef0123456789abcdef.not-a-real-secret-0123456789abcdefghijk").GetChatClient("default").CompleteChatAsync([new UserChatMessage("hi")]));
        var (response, body) = await host.SendAsync(HttpMethod.Get, "api/v1/models", "sk-bogus");

        Assert.Equal(401, refused.Status);
        OpenAiErrorAssert.Is(response, body, 401, "unauthorized");
        Assert.Equal("authentication_error", body!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(before, host.Model.Requests.Count);
    }

    [Fact]
    public async Task CompleteChat_TokensPerDaySpent_429WithRetryAfterInTheOpenAiEnvelope()
    {
        var (_, key) = await NewOrgAsync("chat-quota", new { displayName = "Quota", quotas = new { tokensPerDay = 5 } });
        await host.OpenAi(key).GetChatClient("default").CompleteChatAsync([new UserChatMessage("this first question spends more than five tokens")]);
        var before = host.Model.Requests.Count;

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => host.OpenAi(key).GetChatClient("default").CompleteChatAsync([new UserChatMessage("again")]));
        var (response, body) = await host.SendAsync(HttpMethod.Post, "api/v1/chat/completions", key, new { model = "default", messages = new[] { new { role = "user", content = "again" } } });

        Assert.Equal(429, refused.Status);
        OpenAiErrorAssert.Is(response, body, 429, "quota_exceeded");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(before, host.Model.Requests.Count);
    }

    [Fact]
    public async Task GetModels_OrgKey_ListsDefault()
    {
        var (org, key) = await NewOrgAsync("chat-models");

        var models = (await host.OpenAi(key).GetOpenAIModelClient().GetModelsAsync()).Value;

        var model = Assert.Single(models);
        Assert.Equal("default", model.Id);
        Assert.Equal(org, model.OwnedBy);
    }

    [Fact]
    public async Task AsIChatClient_MicrosoftExtensionsAi_CompletesAndStreams()
    {
        var (_, key) = await NewOrgAsync("chat-meai");
        IChatClient client = host.OpenAi(key).GetChatClient("default").AsIChatClient();

        var response = await client.GetResponseAsync("Hello from Extensions.AI");
        var streamed = new System.Text.StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("streamed from Extensions.AI"))
        {
            streamed.Append(update.Text);
        }

        Assert.Equal("Echo: Hello from Extensions.AI", response.Text);
        Assert.Equal("Echo: streamed from Extensions.AI", streamed.ToString());
    }

    [Fact]
    public async Task BearerOrgKey_NoOrgHeaderOnAnyRoute_ActsForTheKeysOrgAndAnotherOrgsHeaderIs403()
    {
        var (_, key) = await NewOrgAsync("bearer-own");
        var (other, _) = await NewOrgAsync("bearer-other");

        var (own, ownBody) = await host.SendAsync(HttpMethod.Get, "api/conversations", key);
        var (foreign, _) = await host.SendAsync(HttpMethod.Get, "api/conversations", key, orgHeader: other);

        Assert.True(own.IsSuccessStatusCode, $"{(int)own.StatusCode} {ownBody}");
        Assert.Equal(403, (int)foreign.StatusCode);
    }

    private async Task<(string Org, string Key)> NewOrgAsync(string prefix, object? definition = null)
    {
        var org = $"{prefix}-{Guid.NewGuid():N}"[..40];
        return (org, await host.RegisterWithKeyAsync(org, definition));
    }
}
