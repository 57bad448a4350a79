namespace AgentFunctions.Testing;

/// <summary>
/// Checks every response the client receives against the app's OpenAPI document (<see cref="OpenApiContract"/>).
/// A test that deliberately goes outside the contract (e.g. a header the web server itself refuses) opts out per
/// request with <see cref="SkipFor"/>.
/// </summary>
public sealed class OpenApiContractHandler(OpenApiContract contract, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private static readonly HttpRequestOptionsKey<bool> Skip = new("AgentFunctions.Testing.SkipOpenApiContract");

    /// <summary>Marks <paramref name="request"/> as deliberately outside the documented contract; returns it.</summary>
    public static HttpRequestMessage SkipFor(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(Skip, true);
        return request;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!request.Options.TryGetValue(Skip, out var skip) || !skip)
        {
            try
            {
                await contract.CheckAsync(request, response, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        return response;
    }
}
