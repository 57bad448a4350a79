using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LocalHost.Configuration;

/// <summary>Queue trigger settings, <c>host.json</c> <c>extensions.queues</c>, with the real host's defaults.</summary>
internal sealed record QueueTriggerOptions(
    int BatchSize,
    int NewBatchThreshold,
    TimeSpan MaxPollingInterval,
    TimeSpan VisibilityTimeout,
    int MaxDequeueCount,
    bool Base64Messages);

/// <summary>
/// The parts of <c>host.json</c> the local host honours. As in the real host, any value can be
/// overridden by an <c>AzureFunctionsJobHost__path__to__value</c> app setting.
/// </summary>
internal sealed record HostJson(string RoutePrefix, QueueTriggerOptions Queues)
{
    public static HostJson Load(string appDirectory, IReadOnlyDictionary<string, string> overrides)
    {
        var builder = new ConfigurationBuilder();
        var path = Path.Combine(appDirectory, "host.json");
        if (File.Exists(path))
        {
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        const string Prefix = "AzureFunctionsJobHost__";
        builder.AddInMemoryCollection(overrides
            .Where(pair => pair.Key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            .Select(pair => KeyValuePair.Create(pair.Key[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)pair.Value)));
        var configuration = builder.Build();

        var queues = configuration.GetSection("extensions:queues");
        var batchSize = Int(queues, "batchSize", 16, 1, 32);
        var options = new QueueTriggerOptions(
            batchSize,
            Int(queues, "newBatchThreshold", batchSize / 2, 0, int.MaxValue),
            Time(queues, "maxPollingInterval", TimeSpan.FromMinutes(1)),
            Time(queues, "visibilityTimeout", TimeSpan.Zero),
            Int(queues, "maxDequeueCount", 5, 1, int.MaxValue),
            (queues["messageEncoding"] ?? "base64").ToUpperInvariant() switch
            {
                "BASE64" => true,
                "NONE" => false,
                var other => throw new InvalidOperationException($"host.json extensions.queues.messageEncoding '{other}' is neither 'base64' nor 'none'."),
            });
        var routePrefix = configuration.GetSection("extensions:http")["routePrefix"] ?? "api";
        return new HostJson(routePrefix.Trim('/'), options);
    }

    private static int Int(IConfigurationSection section, string key, int fallback, int min, int max)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"host.json extensions.queues.{key} '{text}' must be a whole number from {min} to {max}.");
    }

    private static TimeSpan Time(IConfigurationSection section, string key, TimeSpan fallback)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"host.json extensions.queues.{key} '{text}' is not a time span (hh:mm:ss).");
    }
}
