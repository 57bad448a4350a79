using AgentFunctions.Auth;
using AgentFunctions.Orgs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Orgs;

public sealed class OrgsOptionsTests
{
    [Fact]
    public void AuthOptions_Nothing_Set_AuthOnAndJwtOff()
    {
        var auth = Services().GetRequiredService<IOptions<AuthOptions>>().Value;

        Assert.True(auth.Enabled);
        Assert.False(auth.Jwt.IsConfigured);
        Assert.Equal("org_id", auth.Jwt.OrgClaim);
    }

    [Theory]
    [InlineData("Auth:Jwt:Authority", "https://login.example/tenant", "Auth__Jwt__Audience")]
    [InlineData("Auth:Jwt:MetadataAddress", "http://issuer.example/.well-known/openid-configuration", "must be https")]
    public void AuthOptions_JwtHalfConfigured_FailsNamingTheSetting(string key, string value, string expected)
    {
        var services = Services((key, value), ("Auth:Jwt:Audience", expected == "must be https" ? "api://x" : ""));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AuthOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdminOptions_ShortKey_FailsNamingTheSetting()
    {
        var services = Services(("ADMIN_API_KEY", "too-short"));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AdminOptions>>().Value);

        Assert.Contains("ADMIN_API_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrgsOptions_NegativeCache_Fails()
    {
        var services = Services(("Orgs:CacheSeconds", "-1"));

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<OrgsOptions>>().Value);
    }

    [Fact]
    public void OrgsOptions_DefaultInFlightBound_CoversHostFunctionTimeoutAndModelTimeout()
    {
        using var host = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AgentFunctions.Testing.RepositoryPaths.Root, "host.json")));
        var functionTimeout = TimeSpan.Parse(host.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        var inFlight = Services().GetRequiredService<IOptions<OrgsOptions>>().Value.InFlightDuration;

        Assert.True(inFlight >= functionTimeout, $"Orgs__InFlightSeconds ({inFlight}) must cover host.json functionTimeout ({functionTimeout})");
        Assert.True(inFlight >= new AgentFunctions.Models.ModelResilienceOptions().TotalTimeout);
    }

    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddOrgs().AddAuth().BuildServiceProvider();
    }
}
