using AgentFunctions.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Tenancy;

/// <summary>Start-up validation of <c>MULTITENANCY_ENABLED</c>/<c>DEFAULT_ORG_ID</c>, through a real host start.</summary>
public sealed class TenancyOptionsTests
{
    [Theory]
    [InlineData("Bad!")]
    [InlineData("Org-1")]
    [InlineData("a/b")]
    public async Task StartAsync_InvalidDefaultOrgId_FailsNamingTheSetting(string value)
    {
        using var host = BuildHost(("DEFAULT_ORG_ID", value));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("DEFAULT_ORG_ID must be", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false", "", "default")]
    [InlineData("false", "acme", "acme")]
    [InlineData("true", "acme", "acme")]
    public async Task DefaultOrg_ValidSettings_IsTheConfiguredOrFallbackOrg(string multitenancy, string defaultOrg, string expected)
    {
        using var host = BuildHost(("MULTITENANCY_ENABLED", multitenancy), ("DEFAULT_ORG_ID", defaultOrg));

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<TenancyOptions>>().Value;
        await host.StopAsync();

        Assert.Equal(expected, options.DefaultOrg?.Value);
    }

    private static IHost BuildHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddTenancy();
        return builder.Build();
    }
}
