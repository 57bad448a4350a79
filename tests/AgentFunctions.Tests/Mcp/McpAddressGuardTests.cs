using System.Net;
using AgentFunctions.Errors;
using AgentFunctions.Mcp;

namespace AgentFunctions.Tests.Mcp;

public sealed class McpAddressGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("240.0.0.1")]
    [InlineData("198.18.0.1")]
    [InlineData("192.0.0.8")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("2002:0a00:0001::1")]
    public void IsAllowed_NonPublicAddress_Refused(string address)
    {
        Assert.False(McpAddressGuard.IsAllowed(IPAddress.Parse(address), allowLoopback: false));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("169.253.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void IsAllowed_PublicAddress_Allowed(string address)
    {
        Assert.True(McpAddressGuard.IsAllowed(IPAddress.Parse(address), allowLoopback: false));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("169.254.169.254", false)]
    public void IsAllowed_AllowLoopback_OnlyLoopbackAdmitted(string address, bool allowed)
    {
        Assert.Equal(allowed, McpAddressGuard.IsAllowed(IPAddress.Parse(address), allowLoopback: true));
    }

    [Theory]
    [InlineData("http://93.184.216.34/mcp", false)]
    [InlineData("https://169.254.169.254/latest/meta-data/", false)]
    [InlineData("https://10.1.1.1/mcp", false)]
    [InlineData("https://[fd00::1]/mcp", false)]
    [InlineData("https://user:pw@93.184.216.34/mcp", false)]
    [InlineData("http://127.0.0.1:8080/mcp", false)]
    [InlineData("https://localhost/mcp", false)]
    [InlineData("http://127.0.0.1:8080/mcp", true)]
    [InlineData("http://localhost:8080/mcp", true)]
    public async Task EnsureAllowedAsync_RefusedUrl_400NamingUrl(string url, bool allowLoopback)
    {
        if (allowLoopback)
        {
            await McpAddressGuard.EnsureAllowedAsync(new Uri(url), allowLoopback, default);
            return;
        }

        var error = await Assert.ThrowsAsync<ApiException>(() => McpAddressGuard.EnsureAllowedAsync(new Uri(url), allowLoopback, default));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith("'url'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureAllowedAsync_PublicHttpsAddress_Accepted()
    {
        await McpAddressGuard.EnsureAllowedAsync(new Uri("https://93.184.216.34/mcp"), allowLoopback: false, default);
    }

    [Theory]
    [InlineData("crm", "lookup", "crm_lookup")]
    [InlineData("crm", "tickets.create", "crm_tickets_create")]
    [InlineData("a-b", "ünïcode tool", "a-b__n_code_tool")]
    public void ToolName_ServerAndTool_SanitisedToModelRule(string server, string tool, string expected)
    {
        Assert.Equal(expected, RemoteMcpTools.ToolName(server, tool));
    }

    [Fact]
    public void ToolName_Long_CutTo64()
    {
        Assert.Equal(64, RemoteMcpTools.ToolName("server", new string('t', 100)).Length);
    }
}
