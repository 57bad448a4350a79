using AgentFunctions.Observability;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace AgentFunctions.Tests.Observability;

public sealed class TelemetrySettingsTests
{
    [Fact]
    public void AddObservability_NothingConfigured_RegistersMetricsButNoExporter()
    {
        var services = new ServiceCollection();

        services.AddObservability(Configuration());

        Assert.Contains(services, d => d.ServiceType == typeof(AgentMetrics));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(TracerProvider));
    }

    [Fact]
    public void AddObservability_ApplicationInsightsConfigured_RegistersTracing()
    {
        var services = new ServiceCollection();

        // Registration only: the provider is never built, so nothing is sent anywhere.
        services.AddObservability(Configuration(
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/"),
            ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=AAD;ClientId=11111111-1111-1111-1111-111111111111")));

        Assert.Contains(services, d => d.ServiceType == typeof(TracerProvider));
    }

    [Theory]
    [InlineData("Authorization=AAD;ClientId=11111111-1111-1111-1111-111111111111")]
    [InlineData("ClientId=11111111-1111-1111-1111-111111111111; Authorization=aad")]
    [InlineData("Authorization=AAD")]
    public void CreateCredential_AadAuthenticationString_ReturnsManagedIdentityCredential(string authentication)
    {
        var settings = new TelemetrySettings { ApplicationInsightsAuthenticationString = authentication };

        var credential = settings.CreateCredential();

        Assert.IsType<ManagedIdentityCredential>(credential);
    }

    [Fact]
    public void CreateCredential_NoAuthenticationString_ReturnsNull()
    {
        Assert.Null(new TelemetrySettings().CreateCredential());
    }

    [Theory]
    [InlineData("Authorization=Key")]
    [InlineData("ClientId=11111111-1111-1111-1111-111111111111")]
    public void CreateCredential_NotAad_FailsNamingTheSetting(string authentication)
    {
        var settings = new TelemetrySettings { ApplicationInsightsAuthenticationString = authentication };

        var error = Assert.Throws<InvalidOperationException>(() => settings.CreateCredential());

        Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_EnvironmentStyleKeys_BindsAllThreeSettings()
    {
        var settings = TelemetrySettings.From(Configuration(
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=x"),
            ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=AAD"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")));

        Assert.True(settings.ExportsToApplicationInsights);
        Assert.True(settings.ExportsOverOtlp);
        Assert.Equal("Authorization=AAD", settings.ApplicationInsightsAuthenticationString);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
