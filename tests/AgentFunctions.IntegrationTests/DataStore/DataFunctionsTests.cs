using System.Text;
using System.Text.Json;
using AgentFunctions.DataStore;
using AgentFunctions.Errors;
using AgentFunctions.Functions;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static AgentFunctions.IntegrationTests.DataStore.DataStoreFixture;

namespace AgentFunctions.IntegrationTests.DataStore;

/// <summary>The HTTP functions called directly (the org context set as the middleware would), results executed through MVC.</summary>
[Collection(DataStoreTestGroup.Name)]
public sealed class DataFunctionsTests(DataStoreFixture fixture)
{
    private static readonly IServiceProvider Mvc = new ServiceCollection().AddLogging().AddMvcCore().Services.BuildServiceProvider();
    private readonly DataFunctions _functions = new(fixture.Store);

    [Fact]
    public async Task PutRecord_ValidObject_Returns200WithETagHeaderAndBody()
    {
        var org = NewOrg();
        var request = Request(org, """{"text":"hi"}""");

        var (status, body, headers) = await ExecuteAsync(request, await _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal(200, status);
        var etag = headers.ETag.ToString();
        Assert.Equal(etag, body.GetProperty("etag").GetString());
        Assert.Equal(etag, (await fixture.Store.GetAsync(org, "notes", "n1", CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task GetRecord_Existing_ReturnsTheObjectAndETag()
    {
        var org = NewOrg();
        var etag = await fixture.Store.PutAsync(org, "notes", "n1", JsonOf("""{"text":"hi","n":1}"""), DataPrecondition.None, CancellationToken.None);
        var request = Request(org);

        var (status, body, headers) = await ExecuteAsync(request, await _functions.GetRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal(200, status);
        Assert.Equal("""{"text":"hi","n":1}""", body.GetRawText());
        Assert.Equal(etag, headers.ETag.ToString());
    }

    [Fact]
    public async Task ListRecords_OwnRecords_ReturnsItemsWithIdValueAndCursor()
    {
        var (org, other) = (NewOrg(), NewOrg());
        await fixture.Store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, CancellationToken.None);
        await fixture.Store.PutAsync(org, "notes", "n2", JsonOf("""{"v":2}"""), DataPrecondition.None, CancellationToken.None);
        await fixture.Store.PutAsync(other, "notes", "n0", JsonOf("""{"v":0}"""), DataPrecondition.None, CancellationToken.None);
        var request = Request(org);
        request.QueryString = new QueryString("?limit=1");

        var (status, body, _) = await ExecuteAsync(request, await _functions.ListRecords(request, "notes", Context(org), CancellationToken.None));

        Assert.Equal(200, status);
        var item = Assert.Single(body.GetProperty("items").EnumerateArray());
        Assert.Equal("n1", item.GetProperty("id").GetString());
        Assert.Equal(1, item.GetProperty("value").GetProperty("v").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("cursor").GetString()));
    }

    [Fact]
    public async Task DeleteRecord_Existing_Returns204()
    {
        var org = NewOrg();
        await fixture.Store.PutAsync(org, "notes", "n1", JsonOf("{}"), DataPrecondition.None, CancellationToken.None);
        var request = Request(org);

        var result = await _functions.DeleteRecord(request, "notes", "n1", Context(org), CancellationToken.None);

        Assert.IsType<NoContentResult>(result);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutRecord_ContentLengthOverLimit_Throws413WithoutReadingOrWriting()
    {
        var org = NewOrg();
        var request = Request(org, "{}");
        request.ContentLength = DataRecordStore.MaxValueBytes + 1;

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal((413, ErrorCodes.PayloadTooLarge), (error.Status, error.Code));
        Assert.Equal(0, request.Body.Position);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutRecord_UnsizedBodyOverLimit_Throws413AndWritesNothing()
    {
        var org = NewOrg();
        var request = Request(org, $$"""{"text":"{{new string('x', DataRecordStore.MaxValueBytes)}}"}""");
        request.ContentLength = null;

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal(413, error.Status);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Theory]
    [InlineData("", "'body'")]
    [InlineData("{\"a\":", "'body'")]
    [InlineData("[1]", "'value'")]
    public async Task PutRecord_BadBody_Throws400NamingTheProblem(string body, string field)
    {
        var org = NewOrg();
        var request = Request(org, body);

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith(field, error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutRecord_IfNoneMatchOtherThanStar_Throws400()
    {
        var org = NewOrg();
        var request = Request(org, "{}");
        request.Headers.IfNoneMatch = "\"abc\"";

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.StartsWith("'If-None-Match'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutRecord_IfNoneMatchStarOnExisting_Throws412()
    {
        var org = NewOrg();
        await fixture.Store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, CancellationToken.None);
        var request = Request(org, """{"v":2}""");
        request.Headers.IfNoneMatch = "*";

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal((412, ErrorCodes.PreconditionFailed), (error.Status, error.Code));
    }

    [Fact]
    public async Task PutRecord_StaleIfMatchHeader_Throws412()
    {
        var org = NewOrg();
        var stale = await fixture.Store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, CancellationToken.None);
        await fixture.Store.PutAsync(org, "notes", "n1", JsonOf("""{"v":2}"""), DataPrecondition.None, CancellationToken.None);
        var request = Request(org, """{"v":3}""");
        request.Headers.IfMatch = stale;

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.PutRecord(request, "notes", "n1", Context(org), CancellationToken.None));

        Assert.Equal(412, error.Status);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("-1")]
    [InlineData("0")]
    public async Task ListRecords_BadLimit_Throws400NamingLimit(string limit)
    {
        var org = NewOrg();
        var request = Request(org);
        request.QueryString = QueryString.Create("limit", limit);

        var error = await Assert.ThrowsAsync<ApiException>(() => _functions.ListRecords(request, "notes", Context(org), CancellationToken.None));

        Assert.StartsWith("'limit'", error.Message, StringComparison.Ordinal);
    }

    private static HttpRequest Request(OrgId org, string? body = null)
    {
        var context = new DefaultHttpContext { RequestServices = Mvc };
        context.Request.Headers["X-Org-Id"] = org.Value;
        context.Response.Body = new MemoryStream();
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        return context.Request;
    }

    private static TestFunctionContext Context(OrgId org) => TestFunctionContext.ForOrg(org);

    private static async Task<(int Status, JsonElement Body, IHeaderDictionary Headers)> ExecuteAsync(HttpRequest request, IActionResult result)
    {
        var http = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(http, new RouteData(), new ActionDescriptor()));
        http.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(http.Response.Body);
        return (http.Response.StatusCode, document.RootElement.Clone(), http.Response.Headers);
    }
}
