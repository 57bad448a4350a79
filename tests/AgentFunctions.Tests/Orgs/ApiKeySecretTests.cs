using AgentFunctions.Auth;
using AgentFunctions.Middleware;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Orgs;

public sealed class ApiKeySecretTests
{
    private static readonly OrgId Org = OrgId.Parse("org-a");

    [Fact]
    public void Issue_NewKey_ParsesBackToItsOrgKeyIdAndHash()
    {
        var issued = ApiKeySecret.Issue(Org);

        Assert.True(ApiKeySecret.TryParse(issued.ApiKey, out var parsed));
        Assert.Equal(Org, parsed!.OrgId);
        Assert.Equal(issued.KeyId, parsed.KeyId);
        Assert.True(ApiKeySecret.Matches(parsed.Hash, issued.Hash));
    }

    [Fact]
    public void Issue_TwoKeys_DifferInIdSecretAndHash()
    {
        var first = ApiKeySecret.Issue(Org);
        var second = ApiKeySecret.Issue(Org);

        Assert.NotEqual(first.KeyId, second.KeyId);
        Assert.NotEqual(first.ApiKey.Split('.')[3], second.ApiKey.Split('.')[3]);
        Assert.False(ApiKeySecret.Matches(first.Hash, second.Hash));
    }

    [Fact]
    public void Issue_NewKey_SecretHas256BitsAndHashIsNotTheSecret()
    {
        var issued = ApiKeySecret.Issue(Org);
        var secret = issued.ApiKey.Split('.')[3];

        Assert.Equal(43, secret.Length);
        Assert.Equal(32, issued.Hash.Length);
        Assert.DoesNotContain(secret, Convert.ToBase64String(issued.Hash), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SecretChanged_HashNoLongerMatches()
    {
        var issued = ApiKeySecret.Issue(Org);
        var last = issued.ApiKey[^1];
        var tampered = issued.ApiKey[..^1] + (last == 'A' ? 'B' : 'A');

        Assert.True(ApiKeySecret.TryParse(tampered, out var parsed));
        Assert.False(ApiKeySecret.Matches(parsed!.Hash, issued.Hash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("afk.org-a.0123456789abcdef0123456789abcdef")]
    [InlineData("afk.Org-A.0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("afk.org-a.0123456789ABCDEF0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("afk.org-a.0123456789abcdef0123456789abcdef.short")]
    [InlineData("xyz.org-a.0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void TryParse_Malformed_ReturnsFalse(string? apiKey)
    {
        Assert.False(ApiKeySecret.TryParse(apiKey, out _));
    }

    [Theory]
    [InlineData("a-long-admin-key-0123456789abcdef", "a-long-admin-key-0123456789abcdef", true)]
    [InlineData("a-long-admin-key-0123456789abcdef", "a-long-admin-key-0123456789abcdeX", false)]
    [InlineData("a-long-admin-key-0123456789abcdef", "a-long-admin-key", false)]
    [InlineData("a-long-admin-key-0123456789abcdef", "a-long-admin-key-0123456789abcdef-and-more", false)]
    public void AdminKeyMatches_ComparesWholeKey(string configured, string presented, bool expected)
    {
        Assert.Equal(expected, AdminGuard.KeyMatches(presented, configured));
    }
}
