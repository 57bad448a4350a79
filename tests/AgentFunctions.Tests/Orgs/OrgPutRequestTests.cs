using AgentFunctions.Errors;
using AgentFunctions.Orgs;

namespace AgentFunctions.Tests.Orgs;

public sealed class OrgPutRequestTests
{
    [Fact]
    public void Validate_FullRequest_ReturnsDefinition()
    {
        var request = new OrgPutRequest("Contoso", "Be brief.",
            new OrgModelRequest("gpt-4o-mini", 0.2f, 500, "https://contoso.openai.azure.com/", "ORGKEY_CONTOSO"),
            new OrgQuotas(60, 100_000), Enabled: null);

        var definition = request.Validate();

        Assert.Equal("Contoso", definition.DisplayName);
        Assert.Equal(new Uri("https://contoso.openai.azure.com/"), definition.Model.Endpoint);
        Assert.Equal("ORGKEY_CONTOSO", definition.Model.ApiKeySetting);
        Assert.Equal(60, definition.Quotas.RequestsPerMinute);
        Assert.True(definition.Enabled);
    }

    [Theory]
    [InlineData(null, null, null, null, null, null, "displayName")]
    [InlineData("x", "gpt", null, null, null, "sk-plain", "model.apiKey")]
    [InlineData("x", "gpt", 2.5f, null, null, null, "model.temperature")]
    [InlineData("x", "gpt", null, 0, null, null, "model.maxOutputTokens")]
    [InlineData("x", "gpt", null, null, "http://contoso.example/", null, "model.endpoint")]
    [InlineData("x", "gpt", null, null, "https://user:pw@contoso.example/", null, "model.endpoint")]
    [InlineData("x", null, null, null, "https://contoso.example/", null, "model.deployment")]
    [InlineData("x", "bad deployment", null, null, null, null, "model.deployment")]
    public void Validate_BadField_NamesIt(string? displayName, string? deployment, float? temperature, int? maxTokens, string? endpoint, string? apiKey, string field)
    {
        var request = new OrgPutRequest(displayName, null, new OrgModelRequest(deployment, temperature, maxTokens, endpoint, null, apiKey), null, null);

        var error = Assert.Throws<ApiException>(() => request.Validate());

        Assert.Equal(400, error.Status);
        Assert.StartsWith($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeySettingWithoutEndpoint_Refused()
    {
        var request = new OrgPutRequest("x", null, new OrgModelRequest("gpt", ApiKeySetting: "KEY"), null, null);

        var error = Assert.Throws<ApiException>(() => request.Validate());

        Assert.StartsWith("'model.apiKeySetting'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ADMIN_API_KEY")]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("AzureOpenAI__ApiKey")]
    [InlineData("ORGKEY_")]
    [InlineData("ORGKEY_A-B")]
    public void Validate_KeySettingOutsideOrgPrefix_Refused(string setting)
    {
        var request = new OrgPutRequest("x", null, new OrgModelRequest("gpt", Endpoint: "https://acme.example/v1/", ApiKeySetting: setting), null, null);

        var error = Assert.Throws<ApiException>(() => request.Validate());

        Assert.StartsWith("'model.apiKeySetting'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ForeignEndpointWithoutKeySetting_RefusedSoTheAppIdentityIsNeverSentThere()
    {
        var request = new OrgPutRequest("x", null, new OrgModelRequest("gpt", Endpoint: "https://models.acme.example/"), null, null);

        var error = Assert.Throws<ApiException>(() => request.Validate());

        Assert.StartsWith("'model.apiKeySetting'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://acme.openai.azure.com/", null)]
    [InlineData("https://acme.cognitiveservices.azure.com/", null)]
    [InlineData("https://models.acme.example/v1/", "ORGKEY_ACME")]
    public void Validate_OwnEndpoint_AcceptedWithIdentityOnAzureOrWithOrgKey(string endpoint, string? setting)
    {
        var request = new OrgPutRequest("x", null, new OrgModelRequest("gpt", Endpoint: endpoint, ApiKeySetting: setting), null, null);

        Assert.Equal(new Uri(endpoint), request.Validate().Model.Endpoint);
    }

    [Fact]
    public void Validate_LoopbackHttpEndpoint_Accepted()
    {
        var request = new OrgPutRequest("x", null, new OrgModelRequest("llama", Endpoint: "http://127.0.0.1:5000/v1/"), null, null);

        Assert.Equal(new Uri("http://127.0.0.1:5000/v1/"), request.Validate().Model.Endpoint);
    }

    [Theory]
    [InlineData(0, null, "quotas.requestsPerMinute")]
    [InlineData(null, 0L, "quotas.tokensPerDay")]
    public void Validate_BadQuota_NamesIt(int? rpm, long? tokens, string field)
    {
        var request = new OrgPutRequest("x", null, null, new OrgQuotas(rpm, tokens), null);

        var error = Assert.Throws<ApiException>(() => request.Validate());

        Assert.StartsWith($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SystemPromptTooLong_Returns413()
    {
        var request = new OrgPutRequest("x", new string('a', OrgPutRequest.MaxSystemPromptLength + 1), null, null, null);

        Assert.Equal(413, Assert.Throws<ApiException>(() => request.Validate()).Status);
    }
}
