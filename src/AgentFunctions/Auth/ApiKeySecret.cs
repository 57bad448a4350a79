using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Auth;

/// <summary>
/// Org API keys: <c>afk.{orgId}.{keyId}.{secret}</c>, where the secret is 32 random bytes
/// (256 bits, base64url). The org and key id in the key say which row to check; only the SHA-256
/// of the secret is stored (the secret has full entropy, so a slow hash adds nothing), and it is
/// compared in constant time.
/// </summary>
internal static class ApiKeySecret
{
    private const string Prefix = "afk";
    private const int SecretBytes = 32;
    private static readonly int SecretLength = Base64Url.GetEncodedLength(SecretBytes);

    public sealed record Issued(string KeyId, string ApiKey, byte[] Hash);

    public sealed record Parsed(OrgId OrgId, string KeyId, byte[] Hash);

    public static Issued Issue(OrgId orgId)
    {
        var keyId = Identifiers.NewId();
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return new Issued(keyId, $"{Prefix}.{orgId.Value}.{keyId}.{secret}", Hash(secret));
    }

    /// <summary>Splits a presented key; false for anything not shaped like one of ours (no I/O needed to refuse it).</summary>
    public static bool TryParse(string? apiKey, out Parsed? parsed)
    {
        parsed = null;
        var parts = apiKey?.Split('.');
        if (parts is not [Prefix, var org, var keyId, var secret]
            || !OrgId.TryParse(org, out var orgId)
            || keyId.Length != 32 || !keyId.All(char.IsAsciiHexDigitLower)
            || secret.Length != SecretLength)
        {
            return false;
        }

        parsed = new Parsed(orgId, keyId, Hash(secret));
        return true;
    }

    public static bool Matches(byte[] presentedHash, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(presentedHash, storedHash);

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
