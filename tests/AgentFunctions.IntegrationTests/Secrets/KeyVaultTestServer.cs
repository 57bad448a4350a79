using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.IntegrationTests.Secrets;

/// <summary>
/// A Key Vault secrets endpoint on 127.0.0.1 (https, as the SDK requires for bearer tokens): the challenge a real
/// vault sends to a request without a token, then <c>GET /secrets/{name}</c> with the token <see cref="Token"/>.
/// <see cref="Refuse"/> answers 403, as before the app identity's role has applied.
/// </summary>
public sealed class KeyVaultTestServer : IAsyncLifetime
{
    public const string Token = "test-vault-token";

    private LoopbackHttpsServer? _server;
    private volatile bool _refusing;

    public Uri VaultUri { get; private set; } = null!;

    public ConcurrentDictionary<string, string> Secrets { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Secret names asked for with a valid token, in order.</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    public void Refuse(bool refusing) => _refusing = refusing;

    public SecretClient CreateClient() => new(VaultUri, new StaticToken(), new SecretClientOptions
    {
        Transport = new HttpClientTransport(_server!.CreateHandler()),
        DisableChallengeResourceVerification = true, // the vault is 127.0.0.1, not *.vault.azure.net
        Retry = { MaxRetries = 0 },
    });

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync(HandleAsync);
        VaultUri = _server.Address;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (http.Request.Headers.Authorization != $"Bearer {Token}")
        {
            http.Response.Headers.WWWAuthenticate = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"";
            await Reply(http, 401, Error("Unauthorized", "no token"));
            return;
        }

        var segments = http.Request.Path.Value!.Trim('/').Split('/');
        if (http.Request.Method != "GET" || segments is not ["secrets", var name, ..])
        {
            await Reply(http, 404, Error("NotFound", "not served by the test server"));
            return;
        }

        if (_refusing)
        {
            await Reply(http, 403, Error("Forbidden", "The user, group or application does not have secrets get permission."));
            return;
        }

        Reads.Enqueue(name);
        await (Secrets.TryGetValue(name, out var value)
            ? Reply(http, 200, new JsonObject { ["value"] = value, ["id"] = $"{VaultUri}secrets/{name}/0123456789abcdef", ["attributes"] = new JsonObject { ["enabled"] = true } })
            : Reply(http, 404, Error("SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault.")));
    }

    private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static Task Reply(HttpContext http, int status, JsonObject body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString());
    }

    /// <summary>Stands in for the managed identity: the vault only checks that a token is sent.</summary>
    private sealed class StaticToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(Token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
