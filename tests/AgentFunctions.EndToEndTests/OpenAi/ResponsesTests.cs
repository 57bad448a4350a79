using System.ClientModel;
using System.Text;
using System.Text.Json;
using AgentFunctions.Testing;
using OpenAI.Responses;

namespace AgentFunctions.EndToEndTests.OpenAi;

/// <summary><c>/api/v1/responses</c> through the real worker with the official OpenAI .NET client's Responses client.</summary>
[Collection(OpenAiHostGroup.Name)]
public sealed class ResponsesTests(OpenAiHost host)
{
    [Fact]
    public async Task CreateResponse_Text_AnswersAndStoresTheTurnInAConversationListedByTheOrg()
    {
        var (org, key) = await NewOrgAsync("resp-create");
        var responses = host.OpenAi(key).GetResponsesClient();

        ResponseResult response = await responses.CreateResponseAsync("default", "What is the capital of France?");

        Assert.Equal("Echo: What is the capital of France?", response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.True(response.Usage.InputTokenCount > 0 && response.Usage.OutputTokenCount > 0);
        var conversationId = response.ConversationOptions?.ConversationId;
        Assert.False(string.IsNullOrEmpty(conversationId));
        Assert.Equal([response.Id], await host.RowsAsync("Responses", org));
        var (_, list) = await host.SendAsync(HttpMethod.Get, "api/conversations", key);
        var listed = Assert.Single(list!["conversations"]!.AsArray());
        Assert.Equal(conversationId, listed!["conversationId"]!.GetValue<string>());
        Assert.Equal(2, listed["messageCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task CreateResponse_PreviousResponseId_ContinuesTheSameConversationWithItsHistory()
    {
        var (_, key) = await NewOrgAsync("resp-chain");
        var responses = host.OpenAi(key).GetResponsesClient();
        ResponseResult first = await responses.CreateResponseAsync("default", "My name is Ada.");

        ResponseResult second = await responses.CreateResponseAsync("default", "What is my name?", previousResponseId: first.Id);

        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.Equal(first.ConversationOptions!.ConversationId, second.ConversationOptions!.ConversationId);
        var sent = host.Model.ChatRequests[^1].Messages;
        Assert.Contains(sent, m => m.Role == "user" && m.Content == "My name is Ada.");
        Assert.Contains(sent, m => m.Role == "assistant" && m.Content == "Echo: My name is Ada.");
        Assert.Equal(("user", "What is my name?"), (sent[^1].Role, sent[^1].Content));
        var (_, messages) = await host.SendAsync(HttpMethod.Get, $"api/conversations/{second.ConversationOptions.ConversationId}/messages", key);
        Assert.Equal(4, messages!["messages"]!.AsArray().Count);
    }

    [Fact]
    public async Task GetAndDeleteResponse_StoredResponse_RetrievedAsCreatedThenGone()
    {
        var (org, key) = await NewOrgAsync("resp-get");
        var responses = host.OpenAi(key).GetResponsesClient();
        ResponseResult created = await responses.CreateResponseAsync("default", "Remember this answer.");

        ResponseResult retrieved = await responses.GetResponseAsync(created.Id);
        ResponseDeletionResult deleted = await responses.DeleteResponseAsync(created.Id);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => responses.GetResponseAsync(created.Id));

        Assert.Equal(created.Id, retrieved.Id);
        Assert.Equal(created.GetOutputText(), retrieved.GetOutputText());
        Assert.True(deleted.Deleted);
        Assert.Equal(created.Id, deleted.ResponseId);
        Assert.Equal(404, gone.Status);
        Assert.Empty(await host.RowsAsync("Responses", org));
    }

    [Fact]
    public async Task CreateResponseStreaming_Text_DocumentedEventSequenceWithSequenceNumbersThenStored()
    {
        var (_, key) = await NewOrgAsync("resp-stream");
        var responses = host.OpenAi(key).GetResponsesClient();
        var options = new CreateResponseOptions("default", [ResponseItem.CreateUserMessageItem("stream me five words")]) { StreamingEnabled = true };
        var kinds = new List<StreamingResponseUpdateKind>();
        var numbers = new List<int>();
        var deltas = new StringBuilder();
        ResponseResult? completed = null;

        await foreach (var update in await responses.CreateResponseStreamingAsync(options))
        {
            kinds.Add(update.Kind);
            numbers.Add(update.SequenceNumber);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                deltas.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        StreamingResponseUpdateKind[] expectedStart =
        [
            StreamingResponseUpdateKind.ResponseCreated, StreamingResponseUpdateKind.ResponseInProgress,
            StreamingResponseUpdateKind.ResponseOutputItemAdded, StreamingResponseUpdateKind.ResponseContentPartAdded,
            StreamingResponseUpdateKind.ResponseOutputTextDelta,
        ];
        StreamingResponseUpdateKind[] expectedEnd =
        [
            StreamingResponseUpdateKind.ResponseOutputTextDelta, StreamingResponseUpdateKind.ResponseOutputTextDone,
            StreamingResponseUpdateKind.ResponseContentPartDone, StreamingResponseUpdateKind.ResponseOutputItemDone,
            StreamingResponseUpdateKind.ResponseCompleted,
        ];
        Assert.Equal(expectedStart, kinds.Take(expectedStart.Length));
        Assert.Equal(expectedEnd, kinds.TakeLast(expectedEnd.Length));
        Assert.Equal(Enumerable.Range(0, numbers.Count), numbers);
        Assert.Equal("Echo: stream me five words", deltas.ToString());
        Assert.NotNull(completed);
        Assert.Equal(deltas.ToString(), completed.GetOutputText());
        Assert.Equal(completed.Id, ((ResponseResult)await responses.GetResponseAsync(completed.Id)).Id);
    }

    [Fact]
    public async Task CreateResponse_ClientTool_FunctionCallItemThenTheOutputCompletesOneTurn()
    {
        var (_, key) = await NewOrgAsync("resp-tools");
        var responses = host.OpenAi(key).GetResponsesClient();
        var tool = ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""), strictModeEnabled: false, functionDescription: "The weather in a city.");
        host.Model.Enqueue(OpenAiScript.CallTool("get_weather", """{"city":"Paris"}"""));
        var ask = new CreateResponseOptions("default", [ResponseItem.CreateUserMessageItem("Weather in Paris?")]) { Tools = { tool } };

        ResponseResult first = await responses.CreateResponseAsync(ask);
        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.OutputItems));
        var answer = new CreateResponseOptions("default", [ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 degrees")]) { PreviousResponseId = first.Id, Tools = { tool } };
        ResponseResult second = await responses.CreateResponseAsync(answer);

        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());
        Assert.Equal("Tool result: 18 degrees", second.GetOutputText());
        var sent = host.Model.ChatRequests[^1].Messages;
        Assert.Equal(("tool", call.CallId), (sent[^1].Role, sent[^1].ToolCallId));
        Assert.Contains(sent, m => m.Role == "user" && m.Content == "Weather in Paris?");
        var (_, messages) = await host.SendAsync(HttpMethod.Get, $"api/conversations/{second.ConversationOptions!.ConversationId}/messages", key);
        var stored = messages!["messages"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()).ToList();
        Assert.Equal(["Weather in Paris?", "Tool result: 18 degrees"], stored);
    }

    [Fact]
    public async Task CreateResponse_JsonSchemaTextFormat_ModelAskedForTheSchema()
    {
        var (_, key) = await NewOrgAsync("resp-json");
        var responses = host.OpenAi(key).GetResponsesClient();
        host.Model.Enqueue(OpenAiScript.Reply("""{"city":"Paris"}"""));
        var options = new CreateResponseOptions("default", [ResponseItem.CreateUserMessageItem("Which city?")])
        {
            TextOptions = new ResponseTextOptions
            {
                TextFormat = ResponseTextFormat.CreateJsonSchemaFormat("city_answer", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"""), jsonSchemaIsStrict: true),
            },
        };

        ResponseResult response = await responses.CreateResponseAsync(options);

        Assert.Equal("Paris", JsonDocument.Parse(response.GetOutputText()).RootElement.GetProperty("city").GetString());
        var format = host.Model.ChatRequests[^1].Json.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("city_answer", format.GetProperty("json_schema").GetProperty("name").GetString());
    }

    [Fact]
    public async Task CreateResponse_StoreFalse_StoresNothing()
    {
        var (org, key) = await NewOrgAsync("resp-nostore");
        var responses = host.OpenAi(key).GetResponsesClient();

        ResponseResult response = await responses.CreateResponseAsync(new CreateResponseOptions("default", [ResponseItem.CreateUserMessageItem("Do not keep this.")]) { StoredOutputEnabled = false });

        Assert.Equal("Echo: Do not keep this.", response.GetOutputText());
        Assert.Empty(await host.RowsAsync("Responses", org));
        Assert.Empty(await host.RowsAsync("Conversations", org));
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => responses.GetResponseAsync(response.Id))).Status);
    }

    [Fact]
    public async Task Responses_AnotherOrgsResponseId_404LikeAMissingOneAndNoModelCall()
    {
        var (_, ownerKey) = await NewOrgAsync("resp-owner");
        var (_, intruderKey) = await NewOrgAsync("resp-intruder");
        ResponseResult owned = await host.OpenAi(ownerKey).GetResponsesClient().CreateResponseAsync("default", "The owner's secret question.");
        var missing = $"resp_{Guid.NewGuid():N}";
        var intruder = host.OpenAi(intruderKey).GetResponsesClient();
        var before = host.Model.Requests.Count;

        var chained = await Assert.ThrowsAsync<ClientResultException>(() => intruder.CreateResponseAsync("default", "continue it", previousResponseId: owned.Id));
        var (foreign, foreignBody) = await host.SendAsync(HttpMethod.Post, "api/v1/responses", intruderKey, new { model = "default", input = "continue it", previous_response_id = owned.Id });
        var (absent, absentBody) = await host.SendAsync(HttpMethod.Post, "api/v1/responses", intruderKey, new { model = "default", input = "continue it", previous_response_id = missing });
        var (get, getBody) = await host.SendAsync(HttpMethod.Get, $"api/v1/responses/{owned.Id}", intruderKey);
        var (getMissing, getMissingBody) = await host.SendAsync(HttpMethod.Get, $"api/v1/responses/{missing}", intruderKey);
        var (delete, _) = await host.SendAsync(HttpMethod.Delete, $"api/v1/responses/{owned.Id}", intruderKey);

        Assert.Equal(404, chained.Status);
        OpenAiErrorAssert.Is(foreign, foreignBody, 404, "not_found", "previous_response_id");
        Assert.Equal(Redacted(absentBody, missing), Redacted(foreignBody, owned.Id));
        Assert.Equal(Redacted(getMissingBody, missing), Redacted(getBody, owned.Id));
        Assert.Equal(404, (int)get.StatusCode);
        Assert.Equal(404, (int)delete.StatusCode);
        Assert.Equal(before, host.Model.Requests.Count);
        Assert.Equal(owned.Id, ((ResponseResult)await host.OpenAi(ownerKey).GetResponsesClient().GetResponseAsync(owned.Id)).Id);
    }

    [Fact]
    public async Task CreateResponse_OrgKnowledge_CitationsBecomeFileCitationAnnotations()
    {
        var (_, key) = await NewOrgAsync("resp-cite");
        await host.PutDocumentAsync(key, "capitals", "Capitals of Europe", "Paris is the capital of France. Berlin is the capital of Germany.");
        var responses = host.OpenAi(key).GetResponsesClient();

        ResponseResult response = await responses.CreateResponseAsync("default", "What is the capital of France?");

        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        var citation = Assert.IsAssignableFrom<FileCitationMessageAnnotation>(Assert.Single(message.Content[0].OutputTextAnnotations));
        Assert.Equal("capitals", citation.FileId);
        Assert.Equal("Capitals of Europe", citation.Filename);
    }

    [Fact]
    public async Task CreateResponse_ModelFails_502AndNothingStored()
    {
        var (org, key) = await NewOrgAsync("resp-fail");
        host.Model.Enqueue(OpenAiScript.Fault(500));

        var (response, body) = await host.SendAsync(HttpMethod.Post, "api/v1/responses", key, new { model = "default", input = "this call fails" });

        OpenAiErrorAssert.Is(response, body, 502, "model_unavailable");
        Assert.Empty(await host.RowsAsync("Responses", org));
        Assert.Empty(await host.RowsAsync("Conversations", org));
    }

    private static string Redacted(System.Text.Json.Nodes.JsonNode? body, string id) => body!.ToJsonString().Replace(id, "{id}", StringComparison.Ordinal);

    private async Task<(string Org, string Key)> NewOrgAsync(string prefix)
    {
        var org = $"{prefix}-{Guid.NewGuid():N}"[..40];
        return (org, await host.RegisterWithKeyAsync(org));
    }
}
