using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AgentFunctions.EndToEndTests.App;

/// <summary><c>/api/data</c> through the local host and the real worker: headers, status codes and problem bodies as a client sees them.</summary>
public sealed class DataTests(AgentFunctionsHost host) : IClassFixture<AgentFunctionsHost>
{
    [Fact]
    public async Task PutThenGet_OwnOrg_RoundTripsWithETagHeader()
    {
        var org = await NewOrg();

        var put = await SendAsync(HttpMethod.Put, "api/data/notes/n1", org, """{"text":"héllo"}""");
        var get = await SendAsync(HttpMethod.Get, "api/data/notes/n1", org);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.NotNull(put.Headers.ETag);
        Assert.Equal(put.Headers.ETag, get.Headers.ETag);
        using var body = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal("héllo", body.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Put_StaleIfMatch_Returns412ProblemAndKeepsValue()
    {
        var org = await NewOrg();
        var first = await SendAsync(HttpMethod.Put, "api/data/notes/n1", org, """{"v":1}""");
        await SendAsync(HttpMethod.Put, "api/data/notes/n1", org, """{"v":2}""");

        var stale = await SendAsync(HttpMethod.Put, "api/data/notes/n1", org, """{"v":3}""", ifMatch: first.Headers.ETag);

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("precondition_failed", await ProblemCodeAsync(stale));
        using var body = JsonDocument.Parse(await (await SendAsync(HttpMethod.Get, "api/data/notes/n1", org)).Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Put_BodyOverLimit_Returns413AndNothingIsStored()
    {
        var org = await NewOrg();

        var response = await SendAsync(HttpMethod.Put, "api/data/notes/big", org, $$"""{"text":"{{new string('x', 300_000)}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", await ProblemCodeAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "api/data/notes/big", org)).StatusCode);
    }

    [Fact]
    public async Task OtherOrg_GetListDelete_SeesNothingAndChangesNothing()
    {
        var (owner, other) = (await NewOrg(), await NewOrg());
        await SendAsync(HttpMethod.Put, "api/data/notes/secret", owner, """{"v":1}""");

        var get = await SendAsync(HttpMethod.Get, "api/data/notes/secret", other);
        var missing = await SendAsync(HttpMethod.Get, "api/data/notes/never-written", other);
        var list = await SendAsync(HttpMethod.Get, "api/data/notes", other);
        var delete = await SendAsync(HttpMethod.Delete, "api/data/notes/secret", other);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(Problem(await get.Content.ReadAsStringAsync()), Problem(await missing.Content.ReadAsStringAsync()).Replace("never-written", "secret", StringComparison.Ordinal));
        using (var body = JsonDocument.Parse(await list.Content.ReadAsStringAsync()))
        {
            Assert.Empty(body.RootElement.GetProperty("items").EnumerateArray());
        }

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "api/data/notes/secret", owner)).StatusCode);
    }

    [Theory]
    [InlineData("api/data/Notes/n1")]
    [InlineData("api/data/a%7Cb/n1")]
    [InlineData("api/data/notes/a%7Cb")]
    [InlineData("api/data/notes/a%27b")]
    [InlineData("api/data/notes/.hidden")]
    public async Task Get_HostileKeys_Returns400InvalidRequest(string path)
    {
        var response = await SendAsync(HttpMethod.Get, path, await NewOrg());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", await ProblemCodeAsync(response));
    }

    [Fact]
    public async Task Delete_Existing_Returns204ThenGetIs404()
    {
        var org = await NewOrg();
        await SendAsync(HttpMethod.Put, "api/data/notes/n1", org, "{}");

        var delete = await SendAsync(HttpMethod.Delete, "api/data/notes/n1", org);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "api/data/notes/n1", org)).StatusCode);
    }

    private Task<string> NewOrg() => host.NewOrgAsync();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string org, string? json = null, EntityTagHeaderValue? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Org-Id", org);
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(ifMatch);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var response = await host.Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("code").GetString();
    }

    /// <summary>A problem body without its per-request trace id.</summary>
    private static string Problem(string json)
    {
        using var body = JsonDocument.Parse(json);
        return string.Join('|', body.RootElement.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}"));
    }
}
