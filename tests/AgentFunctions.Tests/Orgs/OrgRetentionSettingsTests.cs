using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Orgs;

public sealed class OrgRetentionSettingsTests
{
    [Theory]
    [InlineData("P30D", null, 30 * 24 * 3600)]
    [InlineData("PT5S", null, 5)]
    [InlineData("P1DT12H", "PT1M", 36 * 3600)]
    public void Validate_IsoDurations_Parsed(string conversations, string? jobs, int seconds)
    {
        var definition = new OrgPutRequest("Org", null, null, null, null, new OrgRetentionSettings { Conversations = conversations, Jobs = jobs }).Validate();

        var retention = definition.Retention!.Parse("retention");

        Assert.Equal(TimeSpan.FromSeconds(seconds), retention.Conversations);
        Assert.Equal(jobs is null ? null : TimeSpan.FromMinutes(1), retention.Jobs);
    }

    [Theory]
    [InlineData("30 days", null, "retention.conversations")]
    [InlineData("P30D", "7", "retention.jobs")]
    [InlineData("PT0S", null, "retention.conversations")]
    [InlineData("-P1D", null, "retention.conversations")]
    [InlineData("P200Y", null, "retention.conversations")]
    public void Validate_BadDuration_400NamingTheField(string conversations, string? jobs, string field)
    {
        var request = new OrgPutRequest("Org", null, null, null, null, new OrgRetentionSettings { Conversations = conversations, Jobs = jobs });

        var error = Assert.Throws<ApiException>(() => request.Validate());

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsExpired_AtTheBoundary_Expired()
    {
        var changed = DateTimeOffset.UnixEpoch;

        Assert.False(OrgRetention.IsExpired(TimeSpan.FromMinutes(1), changed, changed.AddSeconds(59)));
        Assert.True(OrgRetention.IsExpired(TimeSpan.FromMinutes(1), changed, changed.AddMinutes(1)));
        Assert.False(OrgRetention.IsExpired(null, changed, DateTimeOffset.MaxValue));
    }
}
