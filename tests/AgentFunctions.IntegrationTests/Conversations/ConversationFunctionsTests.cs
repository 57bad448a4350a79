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
using Microsoft.Extensions.Options;

namespace AgentFunctions.IntegrationTests.Conversations;

/// <summary>The functions over the real store on Azurite; the middleware (problem+json) is tested on its own.</summary>
public sealed class ConversationFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private TableConversationStore Store => new(new TableProvider(new TableServiceClient(azurite.ConnectionString)), TimeProvider.System, new KeepEverything(), NullLogger<TableConversationStore>.Instance);

    private static ConversationFunctions Functions(IConversationStore store, int listCharacters = 200_000) =>
        new(store, Options.Create(new ConversationsOptions { ListCharacters = listCharacters }));

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

        var result = await Functions(store).GetConversationMessages(Get("?limit=3"), "c1", TestFunctionContext.ForOrg(org), default);

        var json = JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(result).Value, JsonSerializerOptions.Web);
        Assert.Equal("c1", json.GetProperty("conversationId").GetString());
        var messages = json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["a0", "q1", "a1"], messages.Select(m => m.GetProperty("content").GetString()));
        Assert.Equal(["assistant", "user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(At, messages[0].GetProperty("createdAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task GetConversationMessages_LongMessages_PagedByCharacterBudgetWithCursorToOlder()
    {
        var store = Store;
        var org = NewOrg();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendTurnAsync(org, "long", Turn($"q{i}" + new string('x', 998), $"a{i}" + new string('y', 998)), default);
        }

        var functions = Functions(store, listCharacters: 3_500);
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var result = await functions.GetConversationMessages(Get("?limit=100" + (cursor is null ? "" : "&cursor=" + cursor)), "long", TestFunctionContext.ForOrg(org), default);
            var json = JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(result).Value, JsonSerializerOptions.Web);
            var contents = json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToList();
            Assert.True(contents.Sum(c => c.Length) <= 3_500, $"a page carried {contents.Sum(c => c.Length)} characters");
            pages.Add([.. contents.Select(c => c[..2])]);
            cursor = json.TryGetProperty("cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        Assert.Equal(["q0", "a0", "q1", "a1", "q2", "a2", "q3", "a3", "q4", "a4"], pages.AsEnumerable().Reverse().SelectMany(p => p));
        Assert.Equal([["a3", "q4", "a4"], ["q2", "a2", "q3"], ["a0", "q1", "a1"], ["q0"]], pages);
    }

    [Fact]
    public async Task GetConversationMessages_OneMessageOverBudget_ReturnedAloneWithCursor()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "huge", Turn("q", new string('z', 5_000)), default);

        var result = await Functions(store, listCharacters: 1_000).GetConversationMessages(Get(), "huge", TestFunctionContext.ForOrg(org), default);

        var json = JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(result).Value, JsonSerializerOptions.Web);
        Assert.Equal(5_000, Assert.Single(json.GetProperty("messages").EnumerateArray().ToList()).GetProperty("content").GetString()!.Length);
        Assert.True(json.TryGetProperty("cursor", out _));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("9223372036854775807")]
    public async Task GetConversationMessages_ForgedCursor_400NamingCursor(string cursor)
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q", "a"), default);

        var error = await Assert.ThrowsAsync<ApiException>(() => Functions(store).GetConversationMessages(Get("?cursor=" + Uri.EscapeDataString(cursor)), "c1", TestFunctionContext.ForOrg(org), default));

        Assert.Equal(400, error.Status);
        Assert.Contains("cursor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetConversationMessages_OtherOrgsConversation_404ExactlyLikeMissing()
    {
        var store = Store;
        var owner = NewOrg();
        var stranger = NewOrg();
        await store.AppendTurnAsync(owner, "theirs", Turn("q", "a"), default);
        var functions = Functions(store);

        var foreign = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(), "theirs", TestFunctionContext.ForOrg(stranger), default));
        var missing = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(), "nothing", TestFunctionContext.ForOrg(stranger), default));
        var foreignDelete = await Assert.ThrowsAsync<ApiException>(() => functions.DeleteConversation(Get(), "theirs", TestFunctionContext.ForOrg(stranger), default));
        var missingDelete = await Assert.ThrowsAsync<ApiException>(() => functions.DeleteConversation(Get(), "nothing", TestFunctionContext.ForOrg(stranger), default));

        Assert.Equal((404, ErrorCodes.NotFound), (foreign.Status, foreign.Code));
        Assert.Equal((missing.Status, missing.Code, missing.Message), (foreign.Status, foreign.Code, foreign.Message));
        Assert.Equal((missingDelete.Status, missingDelete.Code, missingDelete.Message), (foreignDelete.Status, foreignDelete.Code, foreignDelete.Message));
        Assert.NotNull((await store.GetMessagesAsync(owner, "theirs", new MessagePageRequest(10), default))?.Messages);
    }

    [Fact]
    public async Task DeleteConversation_Existing_Returns204AndItIsGone()
    {
        var store = Store;
        var org = NewOrg();
        await store.AppendTurnAsync(org, "c1", Turn("q", "a"), default);

        var result = await Functions(store).DeleteConversation(Get(), "c1", TestFunctionContext.ForOrg(org), default);

        Assert.IsType<NoContentResult>(result);
        Assert.Null((await store.GetMessagesAsync(org, "c1", new MessagePageRequest(10), default))?.Messages);
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

        var functions = Functions(store);
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
        var functions = Functions(Store);
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
        var functions = Functions(Store);
        var context = TestFunctionContext.ForOrg(NewOrg());

        var get = await Assert.ThrowsAsync<ApiException>(() => functions.GetConversationMessages(Get(), hostile, context, default));
        var delete = await Assert.ThrowsAsync<ApiException>(() => functions.DeleteConversation(Get(), hostile, context, default));

        Assert.All([get, delete], e => Assert.Equal((400, ErrorCodes.InvalidRequest), (e.Status, e.Code)));
        Assert.All([get, delete], e => Assert.Contains("conversationId", e.Message, StringComparison.Ordinal));
    }
}
