using System.Net;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Auth;

/// <summary>
/// Per-instance limiter in front of credential lookups: a client address that failed authentication
/// <see cref="AuthOptions.FailedAttemptsPerMinute"/> times this minute is refused with 429 before its next credential
/// costs a storage read or a token validation. Successful callers are never counted. The address is the last
/// <c>X-Forwarded-For</c> entry (the one the platform's front end added; earlier entries are the client's own
/// claims), else the connection's address.
/// </summary>
internal sealed class FailedCallerLimiter(IOptions<AuthOptions> options, TimeProvider time)
{
    private const int MaxAddresses = 10_000;

    private readonly BoundedCache<string, Failures> _failures = new(MaxAddresses, time, StringComparer.Ordinal);

    /// <summary>Throws 429 <c>too_many_failed_attempts</c> when the request's address used up this minute's failures.</summary>
    public void EnsureAllowed(HttpRequest request)
    {
        var limit = options.Value.FailedAttemptsPerMinute;
        if (limit == 0 || !_failures.TryGet(ClientAddress(request), out var failures))
        {
            return;
        }

        var now = time.GetUtcNow();
        if (failures.CountIn(Minute(now)) >= limit)
        {
            throw new ApiException(429, ErrorCodes.TooManyFailedAttempts,
                "Too many failed authentications from this address; retry after the time in Retry-After.", TimeSpan.FromSeconds(60 - now.Second));
        }
    }

    public void RecordFailure(HttpRequest request)
    {
        if (options.Value.FailedAttemptsPerMinute == 0)
        {
            return;
        }

        var address = ClientAddress(request);
        if (!_failures.TryGet(address, out var failures))
        {
            failures = new Failures();
            _failures.Set(address, failures, TimeSpan.FromMinutes(2));
        }

        failures.Add(Minute(time.GetUtcNow()));
    }

    internal static string ClientAddress(HttpRequest request)
    {
        var forwarded = request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
        {
            var last = forwarded[(forwarded.LastIndexOf(',') + 1)..].Trim();
            if (IPEndPoint.TryParse(last, out var endPoint))
            {
                return endPoint.Address.ToString();
            }
        }

        return request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    private static long Minute(DateTimeOffset now) => now.UtcTicks / TimeSpan.TicksPerMinute;

    /// <summary>One address's failures in its current minute.</summary>
    private sealed class Failures
    {
        private readonly Lock _gate = new();
        private long _minute;
        private int _count;

        public void Add(long minute)
        {
            lock (_gate)
            {
                if (minute != _minute)
                {
                    (_minute, _count) = (minute, 0);
                }

                _count++;
            }
        }

        public int CountIn(long minute)
        {
            lock (_gate)
            {
                return minute == _minute ? _count : 0;
            }
        }
    }
}
