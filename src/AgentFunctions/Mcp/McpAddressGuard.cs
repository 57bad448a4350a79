using System.Net;
using System.Net.Sockets;
using AgentFunctions.Errors;

namespace AgentFunctions.Mcp;

/// <summary>
/// The SSRF guard for org-configured MCP servers. A URL must be https; every address its host resolves to must be a
/// public unicast address — never loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10), link-local
/// (169.254/16, where cloud metadata services live; fe80::/10), unique-local (fc00::/7), site-local, multicast,
/// reserved or unspecified, including those forms inside IPv4-mapped, NAT64 and 6to4 IPv6 addresses. It is checked when
/// a server is registered and again on every connection (<see cref="ConnectAsync"/>: the socket connects only to an
/// address that passed, so DNS that changes after registration cannot redirect a call). With
/// <c>Mcp__AllowLoopback=true</c> (local development and tests) loopback addresses are allowed, over http too.
/// </summary>
internal static class McpAddressGuard
{
    /// <summary>Refuses a URL that is not allowed with a 400 naming <c>url</c>; resolves its host (no other I/O).</summary>
    public static async Task EnsureAllowedAsync(Uri url, bool allowLoopback, CancellationToken cancellationToken)
    {
        var secure = url.Scheme == Uri.UriSchemeHttps;
        if (!secure && !(allowLoopback && url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
        {
            throw Refused(allowLoopback ? "must be https (http only for loopback with Mcp__AllowLoopback)." : "must be https.");
        }

        if (url.UserInfo.Length > 0 || url.Fragment.Length > 0)
        {
            throw Refused("must not contain user information or a fragment.");
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            throw Refused($"names host '{url.Host}', which does not resolve.");
        }

        if (addresses.FirstOrDefault(a => !IsAllowed(a, allowLoopback)) is { } refused)
        {
            throw Refused($"resolves to {refused}, a loopback, private, link-local or otherwise non-public address.");
        }
    }

    /// <summary>True for a public unicast address (and loopback when <paramref name="allowLoopback"/>).</summary>
    public static bool IsAllowed(IPAddress address, bool allowLoopback)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return allowLoopback;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host, keeps only allowed addresses and connects
    /// to one of them; none allowed is an <see cref="HttpRequestException"/> (the call fails, nothing is sent).
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowLoopback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var addresses = (await ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false)).ToList();
        var allowed = addresses.Where(a => IsAllowed(a, allowLoopback)).ToArray();
        if (allowed.Length == 0 || allowed.Length != addresses.Count)
        {
            throw new HttpRequestException($"The MCP server host '{context.DnsEndPoint.Host}' resolves to an address that is not allowed (loopback, private, link-local or non-public).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0                                   // "this network", 0.0.0.0
        || b[0] == 10                               // private
        || b[0] == 127                              // loopback
        || (b[0] == 100 && (b[1] & 0xC0) == 64)     // shared address space (carrier NAT) 100.64/10
        || (b[0] == 169 && b[1] == 254)             // link-local, cloud metadata services
        || (b[0] == 172 && (b[1] & 0xF0) == 16)     // private 172.16/12
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)  // IETF protocol assignments
        || (b[0] == 192 && b[1] == 168)             // private
        || (b[0] == 198 && (b[1] & 0xFE) == 18)     // benchmarking 198.18/15
        || b[0] >= 224);                            // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b[2..6]);                 // 6to4 2002::/16 carries an IPv4 address
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            return IsPublicV4(b[12..16]);               // NAT64 64:ff9b::/96
        }

        return b[0] is >= 0x20 and <= 0x3f;             // global unicast 2000::/3; everything else is special
    }

    private static ApiException Refused(string problem) => ApiException.InvalidRequest("url", problem);
}
