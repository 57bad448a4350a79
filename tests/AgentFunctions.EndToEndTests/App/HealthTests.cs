using System.Net;
using System.Text.Json;

namespace AgentFunctions.EndToEndTests.App;

public sealed class HealthTests(AgentFunctionsHost host) : IClassFixture<AgentFunctionsHost>
{
    [Fact]
    public async Task Health_NoOrgThroughRealWorker_Returns200Ok()
    {
        var response = await host.Client.GetAsync(new Uri("api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Route_UnknownPath_Returns404()
    {
        var response = await host.Client.GetAsync(new Uri("api/no-such-function", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
