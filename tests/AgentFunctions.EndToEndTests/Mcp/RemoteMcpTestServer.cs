using System.Collections.Concurrent;
using System.ComponentModel;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace AgentFunctions.EndToEndTests.Mcp;

/// <summary>
/// An MCP server built with the SDK in the test process (Streamable HTTP on 127.0.0.1, port 0) with three tools:
/// <c>lookup</c> answers, <c>hang</c> never does, <c>secret_tool</c> exists to be filtered by <c>allowedTools</c>.
/// Records the calls and the <see cref="KeyHeader"/> each request carried.
/// </summary>
public sealed class RemoteMcpTestServer : IAsyncDisposable
{
    public const string KeyHeader = "X-Remote-Key";

    private readonly WebApplication _app;

    private RemoteMcpTestServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Every HTTP request: its <see cref="KeyHeader"/> value (empty when absent).</summary>
    public ConcurrentQueue<string> RequestKeys { get; } = new();

    /// <summary>Tool calls: name and argument text.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<RemoteMcpTestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        RemoteMcpTestServer? server = null;
        builder.Services.AddMcpServer()
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools(
            [
                McpServerTool.Create(
                    ([Description("What to look up.")] string query) =>
                    {
                        server!.Calls.Enqueue($"lookup:{query}");
                        return $"remote answer for {query}";
                    },
                    new McpServerToolCreateOptions { Name = "lookup", Description = "Looks something up in the remote system." }),
                McpServerTool.Create(
                    async (CancellationToken cancellationToken) =>
                    {
                        server!.Calls.Enqueue("hang");
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                        return "never";
                    },
                    new McpServerToolCreateOptions { Name = "hang", Description = "Never answers." }),
                McpServerTool.Create(() => "secret", new McpServerToolCreateOptions { Name = "secret_tool", Description = "Not allowed for the org." }),
            ]);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            server!.RequestKeys.Enqueue(context.Request.Headers[KeyHeader].ToString());
            await next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new RemoteMcpTestServer(app, new Uri(address.TrimEnd('/') + "/mcp"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
