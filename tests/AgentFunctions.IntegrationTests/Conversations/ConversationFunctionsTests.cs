using System.Text.Json;
using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Functions;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Testing.Functions;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.IntegrationTests.Conversations;

/// <summary>The functions over the real store on Azurite; the middleware (problem+json) is tested on its own.</summary>
public sealed class ConversationFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private TableConversationStore Store => new(new TableProvider(new TableServiceClient(azurite.ConnectionString)), TimeProvider.System, new KeepEverything(), NullLogger<TableConversationStore>.Instance);

    private static OrgId NewOrg() => OrgId.Parse("org-" + Identifiers.NewId()[..12]);

    private static HttpRequest Get(string query = "")
    {
        var http = new DefaultHttpContext();
        http.Request.QueryString = new QueryString(query);
        return http.Request;
    }

    private static ConversationTurn Turn(string user, string assistant) =>
        new(null, new ConversationMessage(MessageRole.User, user, At), new ConversationMessage(MessageRole.Assistant, assistant, At));

    [Fact]
    public async Task GetConversationMessages_Existing_ReturnsApiShapeOldestFirst()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q0", "a0"), default);
        await store.AppendTurnAsync(org, "c1", Turn("q1", "a1"), default);

        var result = await new ConversationFunctions(store).GetConversationMessages(Get("?limit=3"), "c1", TestFunctionContext.ForOrg(org), default);

        var json = JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(result).Value, JsonSerializerOptions.Web);
        Assert.Equal("c1", json.GetProperty("conversationId").GetString());
        var messages = json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["a0", "q1", "a1"], messages.Select(m => m.GetProperty("content").GetString()));
        Assert.Equal(["assistant", "user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(At, messages[0].GetProperty("createdAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task GetConversationMessages_OtherOrgsConversation_404ExactlyLikeMissing()
    {
        var store = Store;
        var owner = NewOrg();
        var stranger = NewOrg();
        await store.AppendTurnAsync(owner, "theirs", Turn("q", "a"), default);
        var functions = new ConversationFunctions(store);

        var foreign = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(), "theirs", TestFunctionContext.ForOrg(stranger), default));
        var missing = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(), "nothing", TestFunctionContext.ForOrg(stranger), default));
        var foreignDelete = await Assert.ThrowsAsync<ApiException>(() => functions.DeleteConversation(Get(), "theirs", TestFunctionContext.ForOrg(stranger), default));
        var missingDelete = await Assert.ThrowsAsync<ApiException>(() => functions.DeleteConversation(Get(), "nothing", TestFunctionContext.ForOrg(stranger), default));

        Assert.Equal((404, ErrorCodes.NotFound), (foreign.Status, foreign.Code));
        Assert.Equal((missing.Status, missing.Code, missing.Message), (foreign.Status, foreign.Code, foreign.Message));
        Assert.Equal((missingDelete.Status, missingDelete.Code, missingDelete.Message), (foreignDelete.Status, foreignDelete.Code, foreignDelete.Message));
        Assert.NotNull(await store.GetMessagesAsync(owner, "theirs", 10, default));
    }

    [Fact]
    public async Task DeleteConversation_Existing_Returns204AndItIsGone()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q", "a"), default);

        var result = await new ConversationFunctions(store).DeleteConversation(Get(), "c1", TestFunctionContext.ForOrg(org), default);

        Assert.IsType<NoContentResult>(result);
        Assert.Null(await store.GetMessagesAsync(org, "c1", 10, default));
    }

    [Fact]
    public async Task ListConversations_WithLimitAndCursor_ReturnsPagesNewestFirst()
    {
        var store = Store;
        var org = NewOrg();
        foreach (var id in new[] { "c1", "c2", "c3" })
        {
            await store.AppendTurnAsync(org, id, Turn("q", "a"), default);
        }

        var functions = new ConversationFunctions(store);
        var first = JsonSerializer.SerializeToElement(((OkObjectResult)await functions.ListConversations(Get("?limit=2"), TestFunctionContext.ForOrg(org), default)).Value, JsonSerializerOptions.Web);
        var cursor = first.GetProperty("cursor").GetString();
        var second = JsonSerializer.SerializeToElement(((OkObjectResult)await functions.ListConversations(Get($"?limit=2&cursor={cursor}"), TestFunctionContext.ForOrg(org), default)).Value, JsonSerializerOptions.Web);

        Assert.Equal(["c3", "c2"], first.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversationId").GetString()));
        Assert.Equal(2, first.GetProperty("conversations")[0].GetProperty("messageCount").GetInt64());
        Assert.Equal(["c1"], second.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversationId").GetString()));
        Assert.False(second.TryGetProperty("cursor", out _));
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=101")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=ten")]
    [InlineData("?limit=1.5")]
    [InlineData("?limit=%2B5")]
    public async Task Functions_BadLimit_400NamingLimit(string query)
    {
        var functions = new ConversationFunctions(Store);
        var context = TestFunctionContext.ForOrg(NewOrg());

        var list = await Assert.ThrowsAsync<ApiException>(() => functions.ListConversations(Get(query), context, default));
        var messages = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(query), "c1", context, default));

        Assert.All([list, messages], e => Assert.Equal((400, ErrorCodes.InvalidRequest), (e.Status, e.Code)));
        Assert.All([list, messages], e => Assert.StartsWith("'limit'", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a|b")]
    [InlineData("..")]
    [InlineData("a'b")]
    [InlineData("-a")]
    public async Task Functions_HostileConversationId_400NamingConversationId(string hostile)
    {
        var functions = new ConversationFunctions(Store);
        var context = TestFunctionContext.ForOrg(NewOrg());

        var get = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(), hostile, context, default));
        var delete = await Assert.ThrowsAsync<ApiException>(() => functions.DeleteConversation(Get(), hostile, context, default));

        Assert.All([get, delete], e => Assert.Equal((400, ErrorCodes.InvalidRequest), (e.Status, e.Code)));
        Assert.All([get, delete], e => Assert.Contains("conversationId", e.Message, StringComparison.Ordinal));
    }
}
