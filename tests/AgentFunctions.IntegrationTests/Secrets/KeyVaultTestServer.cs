using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.IntegrationTests.Secrets;

/// <summary>
/// A Key Vault secrets endpoint on 127.0.0.1 (https, as the SDK requires for bearer tokens): the challenge a real
/// vault sends to a request without a token, then <c>GET /secrets/{name}</c> with the token <see cref="Token"/>.
/// <see cref="Refuse"/> answers 403, as before the app identity's role has applied.
/// </summary>
public sealed class KeyVaultTestServer : IAsyncLifetime
{
    public const string Token = "test-vault-token";

    private X509Certificate2? _certificate;
    private WebApplication? _app;
    private volatile bool _refusing;

    public Uri VaultUri { get; private set; } = null!;

    public ConcurrentDictionary<string, string> Secrets { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Secret names asked for with a valid token, in order.</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    public void Refuse(bool refusing) => _refusing = refusing;

    public SecretClient CreateClient() => new(VaultUri, new StaticToken(), new SecretClientOptions
    {
        Transport = new HttpClientTransport(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _certificate!.Thumbprint,
        }),
        DisableChallengeResourceVerification = true, // the vault is 127.0.0.1, not *.vault.azure.net
        Retry = { MaxRetries = 0 },
    });

    public async Task InitializeAsync()
    {
        _certificate = LoopbackCertificate.Create();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(_certificate)));
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        VaultUri = new Uri(_app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _certificate?.Dispose();
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
