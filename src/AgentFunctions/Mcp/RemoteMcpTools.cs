using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace AgentFunctions.Mcp;

/// <summary>
/// The org's remote MCP servers' tools for its agent runs, named <c>{server}_{tool}</c> (sanitised to the model's tool
/// name rule <c>^[A-Za-z0-9_-]{1,64}$</c>) with each server's descriptions and input schemas, limited to a server's
/// <c>allowedTools</c>. The list is cached per org for <c>Mcp__ToolCacheSeconds</c> and cleared by
/// <see cref="Invalidate"/> on PUT/DELETE. A server that cannot be listed contributes no tools this time (logged); a
/// call that fails, times out (<c>Mcp__CallTimeout</c>) or errs comes back to the model as <c>{"error", "detail"}</c>,
/// never failing the run. Results longer than <c>Mcp__MaxResultCharacters</c> are cut and say so.
/// </summary>
internal sealed partial class RemoteMcpTools(
    McpServerStore store,
    RemoteMcpClients clients,
    IOptions<McpOptions> options,
    TimeProvider time,
    ILogger<RemoteMcpTools> logger) : IAgentToolProvider
{
    private readonly ConcurrentDictionary<OrgId, CachedTools> _cache = new();

    public async ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(orgId, out var cached) || cached.Expires <= now)
        {
            var generation = cached?.Generation ?? 0;
            cached = new CachedTools(await ListAsync(orgId, cancellationToken).ConfigureAwait(false), now.AddSeconds(options.Value.ToolCacheSeconds), generation);
            // An invalidation that happened while listing wins: the next run lists again.
            if (!_cache.TryGetValue(orgId, out var current) || current.Generation == generation)
            {
                _cache[orgId] = cached;
            }
        }

        return [.. cached.Tools.Select(tool => new RemoteMcpFunction(this, orgId, tool))];
    }

    /// <summary>Forgets the org's tool list (its servers changed).</summary>
    public void Invalidate(OrgId orgId) =>
        _cache.AddOrUpdate(orgId, _ => new CachedTools([], DateTimeOffset.MinValue, 1), (_, old) => new CachedTools([], DateTimeOffset.MinValue, old.Generation + 1));

    private async Task<IReadOnlyList<RemoteTool>> ListAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var servers = await store.ListAsync(orgId, cancellationToken).ConfigureAwait(false);
        var lists = await Task.WhenAll(servers.Select(server => ListServerAsync(orgId, server, cancellationToken))).ConfigureAwait(false);
        var names = new HashSet<string>(StringComparer.Ordinal);
        return [.. lists.SelectMany(tools => tools).Where(tool => names.Add(tool.Name))];
    }

    private async Task<IReadOnlyList<RemoteTool>> ListServerAsync(OrgId orgId, McpServerDefinition server, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.CallTimeout);
        try
        {
            await using var client = await clients.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
            var tools = await client.ListToolsAsync(cancellationToken: deadline.Token).ConfigureAwait(false);
            return [.. tools
                .Where(t => server.AllowedTools is null || server.AllowedTools.Contains(t.Name, StringComparer.Ordinal))
                .Select(t => new RemoteTool(ToolName(server.Name, t.Name), server, t.Name, t.Description, t.JsonSchema))];
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var failure = e.GetType().Name;
            LogListFailed(logger, orgId.Value, server.Name, failure);
            return [];
        }
    }

    private async Task<string> CallAsync(OrgId orgId, RemoteTool tool, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.CallTimeout);
        var started = time.GetTimestamp();
        try
        {
            await using var client = await clients.ConnectAsync(tool.Server, deadline.Token).ConfigureAwait(false);
            var result = await client.CallToolAsync(tool.RemoteName, arguments.ToDictionary(a => a.Key, a => a.Value), cancellationToken: deadline.Token).ConfigureAwait(false);
            var text = Text(result);
            var elapsed = Elapsed(started);
            LogCalled(logger, orgId.Value, tool.Server.Name, tool.RemoteName, result.IsError is true ? "tool error" : "ok", elapsed);
            return result.IsError is true ? Error("mcp_tool_error", text) : Cap(text);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var elapsed = Elapsed(started);
            LogCalled(logger, orgId.Value, tool.Server.Name, tool.RemoteName, "timed out", elapsed);
            return Error("mcp_timeout", $"The MCP server '{tool.Server.Name}' did not answer within {options.Value.CallTimeout.TotalSeconds:0.#} seconds.");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var (elapsed, failure) = (Elapsed(started), e.GetType().Name);
            LogCalled(logger, orgId.Value, tool.Server.Name, tool.RemoteName, failure, elapsed);
            return Error("mcp_unavailable", $"The MCP server '{tool.Server.Name}' could not be reached or failed: {e.Message}");
        }
    }

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    private string Cap(string text)
    {
        var max = options.Value.MaxResultCharacters;
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max), $"\n[The result was cut at {max} characters.]");
    }

    private static string Text(CallToolResult result)
    {
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            text.Append(block is TextContentBlock { Text: var t } ? t : $"[{block.Type} content]");
        }

        return text.Length == 0 && result.StructuredContent is { } structured ? structured.ToString() ?? string.Empty : text.ToString();
    }

    private static string Error(string code, string detail) => JsonSerializer.Serialize(new { error = code, detail });

    /// <summary><c>{server}_{tool}</c> with every character outside <c>[A-Za-z0-9_-]</c> replaced by '_', at most 64.</summary>
    internal static string ToolName(string server, string tool)
    {
        var name = string.Create(server.Length + 1 + tool.Length, (server, tool), (span, s) =>
        {
            s.server.AsSpan().CopyTo(span);
            span[s.server.Length] = '_';
            s.tool.AsSpan().CopyTo(span[(s.server.Length + 1)..]);
        });
        var safe = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').Take(64).ToArray();
        return new string(safe);
    }

    private sealed record CachedTools(IReadOnlyList<RemoteTool> Tools, DateTimeOffset Expires, long Generation);

    private sealed record RemoteTool(string Name, McpServerDefinition Server, string RemoteName, string? Description, JsonElement Schema);

    private sealed class RemoteMcpFunction(RemoteMcpTools owner, OrgId orgId, RemoteTool tool) : AIFunction
    {
        public override string Name => tool.Name;

        public override string Description => tool.Description ?? string.Empty;

        public override JsonElement JsonSchema => tool.Schema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            await owner.CallAsync(orgId, tool, arguments, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "MCP server {Server} of org {OrgId} could not be listed ({Failure}); its tools are not offered this time")]
    private static partial void LogListFailed(ILogger logger, string orgId, string server, string failure);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "MCP tool {Tool} of server {Server} called for org {OrgId}: {Outcome} in {LatencyMs} ms")]
    private static partial void LogCalled(ILogger logger, string orgId, string server, string tool, string outcome, long latencyMs);
}
