using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Observability;

/// <summary>
/// Where telemetry goes. Off unless <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> or
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (so local runs and tests export nothing).
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> (<c>Authorization=AAD[;ClientId=...]</c>) makes
/// the exporter sign in with the managed identity, as a component with local auth off requires.
/// </summary>
internal sealed class TelemetrySettings
{
    [ConfigurationKeyName("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    public string? ApplicationInsightsConnectionString { get; set; }

    [ConfigurationKeyName("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")]
    public string? ApplicationInsightsAuthenticationString { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public string? OtlpEndpoint { get; set; }

    public bool ExportsToApplicationInsights => !string.IsNullOrWhiteSpace(ApplicationInsightsConnectionString);

    public bool ExportsOverOtlp => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    public bool Enabled => ExportsToApplicationInsights || ExportsOverOtlp;

    public static TelemetrySettings From(IConfiguration configuration) =>
        configuration.Get<TelemetrySettings>() ?? new TelemetrySettings();

    /// <summary>
    /// The credential for Entra ID ingestion, or null when no authentication string is set.
    /// Anything but <c>Authorization=AAD</c> fails start-up with a message naming the setting.
    /// </summary>
    public TokenCredential? CreateCredential()
    {
        if (string.IsNullOrWhiteSpace(ApplicationInsightsAuthenticationString))
        {
            return null;
        }

        var parts = ApplicationInsightsAuthenticationString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);

        if (!parts.TryGetValue("Authorization", out var authorization) || !string.Equals(authorization, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be 'Authorization=AAD' or 'Authorization=AAD;ClientId=<managed identity client id>'.");
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
