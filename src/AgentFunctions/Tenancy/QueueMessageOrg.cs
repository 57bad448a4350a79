using System.Text.Json;

namespace AgentFunctions.Tenancy;

/// <summary>
/// The org a queue message was submitted for: its top-level <c>orgId</c>. Queue messages always carry
/// their org, so a message is only ever processed for the org it was written for.
/// </summary>
internal static class QueueMessageOrg
{
    public static bool TryRead(string message, out OrgId orgId)
    {
        orgId = default;
        try
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("orgId", out var org)
                && org.ValueKind == JsonValueKind.String
                && OrgId.TryParse(org.GetString(), out orgId);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
