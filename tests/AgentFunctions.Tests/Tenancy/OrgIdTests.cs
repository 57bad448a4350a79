using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Tenancy;

public sealed class OrgIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("org-1")]
    [InlineData("acme_corp")]
    [InlineData("0rg")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxyz")] // 64
    public void TryParse_ValidId_ReturnsSameText(string text)
    {
        Assert.True(OrgId.TryParse(text, out var orgId));
        Assert.Equal(text, orgId.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("Org-1")]
    [InlineData("ORG")]
    [InlineData("org 1")]
    [InlineData(" org")]
    [InlineData("org ")]
    [InlineData("-org")]
    [InlineData("_org")]
    [InlineData("org'1")]
    [InlineData("org\"1")]
    [InlineData("org' or PartitionKey ne '")]
    [InlineData("org/1")]
    [InlineData("org\\1")]
    [InlineData("org#1")]
    [InlineData("org?1")]
    [InlineData("org|1")]
    [InlineData("org.1")]
    [InlineData("org\t1")]
    [InlineData("org\n")]
    [InlineData("org\u0000")]
    [InlineData("org\u007f")]
    [InlineData("orgé")]
    [InlineData("org\u0131")] // dotless i: lower-cases and upper-cases to ASCII in some cultures
    [InlineData("ｏｒｇ")] // full-width
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789-_abcdefghijklmnopqrstuvwxyz0")] // 65
    public void TryParse_HostileId_IsRefused(string? text)
    {
        Assert.False(OrgId.TryParse(text, out _));
    }

    [Fact]
    public void Value_DefaultInstance_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => default(OrgId).Value);
    }

    [Theory]
    [InlineData("conv-1")]
    [InlineData("A.b_C-9")]
    public void IsResourceId_ValidId_IsAccepted(string text) => Assert.True(Identifiers.IsResourceId(text));

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a|b")]
    [InlineData("a'b")]
    [InlineData("a b")]
    [InlineData("a\u0001")]
    [InlineData("ü")]
    public void IsResourceId_HostileId_IsRefused(string text) => Assert.False(Identifiers.IsResourceId(text));

    [Fact]
    public void IsResourceId_TooLong_IsRefused() => Assert.False(Identifiers.IsResourceId(new string('a', Identifiers.ResourceIdMaxLength + 1)));
}
