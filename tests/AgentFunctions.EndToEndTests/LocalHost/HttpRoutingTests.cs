using System.Net;
using System.Text.Json;

namespace AgentFunctions.EndToEndTests.LocalHost;

public sealed class HttpRoutingTests(TestWorkerHost host) : IClassFixture<TestWorkerHost>
{
    [Fact]
    public async Task Route_TemplateWithParameter_ReachesFunctionWithValues()
    {
        var response = await host.Client.GetAsync(new Uri("test/items/42?q=hello", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(42, body.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("hello", body.RootElement.GetProperty("query").GetString());
        Assert.Equal("/test/items/42", body.RootElement.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Route_ConstraintNotMet_Returns404()
    {
        var response = await host.Client.GetAsync(new Uri("test/items/not-a-number", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Route_MethodNotDeclared_Returns405()
    {
        var response = await host.Client.DeleteAsync(new Uri("test/items/42", UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Stream_EventWrittenWhileFunctionStillRuns_ArrivesBeforeTheResponseEnds()
    {
        var gate = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"test/stream/{gate}");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The function is blocked on the gate: the first event can only arrive if nothing buffers it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var first = await reader.ReadLineAsync(timeout.Token);
        using var open = await host.Client.PostAsync(new Uri($"test/stream/{gate}/open", UriKind.Relative), null);
        var rest = await reader.ReadToEndAsync(timeout.Token);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: first", first);
        Assert.Equal(HttpStatusCode.NoContent, open.StatusCode);
        Assert.Contains("data: last", rest, StringComparison.Ordinal);
    }
}
