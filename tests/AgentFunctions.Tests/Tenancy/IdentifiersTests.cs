using AgentFunctions.Errors;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Tenancy;

public sealed class IdentifiersTests
{
    [Theory]
    [InlineData("conversationId", "has space")]
    [InlineData("documentId", "")]
    [InlineData("id", null)]
    [InlineData("id", "a|b")]
    public void EnsureResourceId_Invalid_Throws400NamingField(string field, string? value)
    {
        var error = Assert.Throws<ApiException>(() => Identifiers.EnsureResourceId(value, field));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith($"'{field}' must be 1-128 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureResourceId_Valid_DoesNotThrow()
    {
        Identifiers.EnsureResourceId("Doc-1.v2_x", "documentId");
    }
}
