using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AgentFunctions.Errors;
using AgentFunctions.Orgs;

namespace AgentFunctions.Mcp;

/// <summary>The body of <c>PUT /api/admin/orgs/{orgId}/mcp-servers/{name}</c>.</summary>
internal sealed partial record McpServerPutRequest(
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("headers")] Dictionary<string, string>? Headers,
    [property: JsonPropertyName("allowedTools")] List<string>? AllowedTools)
{
    public const int MaxHeaders = 10;
    public const int MaxAllowedTools = 100;

    /// <summary>Headers the transport sets itself; an org cannot replace them.</summary>
    private static readonly string[] ReservedHeaders = ["Host", "Content-Type", "Content-Length", "Accept", "Connection", "Transfer-Encoding", "Mcp-Session-Id", "MCP-Protocol-Version"];

    /// <summary>Checks everything but the address (<see cref="McpAddressGuard"/>) and refuses with a 400 naming the field.</summary>
    public McpServerDefinition Validate(string name)
    {
        EnsureName(name);
        if (string.IsNullOrWhiteSpace(Url) || !Uri.TryCreate(Url, UriKind.Absolute, out var url))
        {
            throw ApiException.InvalidRequest("url", "is required and must be an absolute https URL.");
        }

        var headers = Headers ?? [];
        if (headers.Count > MaxHeaders)
        {
            throw ApiException.InvalidRequest("headers", $"may name at most {MaxHeaders} headers.");
        }

        foreach (var (header, setting) in headers)
        {
            if (!HeaderName().IsMatch(header) || ReservedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase))
            {
                throw ApiException.InvalidRequest("headers", $"'{header}' is not a header name an org may set (1-64 of A-Z, a-z, 0-9 and '-'; not a transport header).");
            }

            if (setting is null || setting.Length <= OrgModelRequest.OrgKeySettingPrefix.Length || !setting.StartsWith(OrgModelRequest.OrgKeySettingPrefix, StringComparison.Ordinal) || !SettingName().IsMatch(setting))
            {
                throw ApiException.InvalidRequest($"headers.{header}",
                    $"must be the name of an app setting that starts with '{OrgModelRequest.OrgKeySettingPrefix}' (1-128 characters of A-Z, a-z, 0-9 and '_'); the value is read from it, never stored.");
            }
        }

        if (AllowedTools is { } allowed && (allowed.Count > MaxAllowedTools || allowed.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 128)))
        {
            throw ApiException.InvalidRequest("allowedTools", $"must be at most {MaxAllowedTools} tool names of 1-128 characters.");
        }

        return new McpServerDefinition(name, url, new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase), AllowedTools?.Distinct(StringComparer.Ordinal).ToList());
    }

    public static void EnsureName(string name)
    {
        if (!ServerName().IsMatch(name))
        {
            throw ApiException.InvalidRequest("name", "must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex ServerName();

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex HeaderName();

    [GeneratedRegex("^[A-Za-z0-9_]{1,128}$")]
    private static partial Regex SettingName();
}
