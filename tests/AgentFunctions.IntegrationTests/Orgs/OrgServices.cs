using AgentFunctions.Administration;
using AgentFunctions.Audit;
using AgentFunctions.Auth;
using AgentFunctions.Middleware;
using AgentFunctions.Observability;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Usage;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

/// <summary>The app's real storage, tenancy and org services against a test's Azurite, as one worker instance builds them.</summary>
internal static class OrgServices
{
    public static ServiceProvider Create(AzuriteFixture azurite, params (string Key, string Value)[] settings) =>
        Create(azurite, _ => { }, settings);

    /// <summary>As above, with <paramref name="configure"/> adding more of the app (or replacing defaults) before the org areas.</summary>
    public static ServiceProvider Create(AzuriteFixture azurite, Action<IServiceCollection> configure, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["MULTITENANCY_ENABLED"] = "true",
            ["DEFAULT_ORG_ID"] = "default",
            ["Auth:FailedAttemptsPerMinute"] = "100000",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging();
        configure(services);
        services.AddTenancy().AddStorage(configuration).AddObservability(configuration)
            .AddOrgs().AddUsage().AddAuth().AddAudit().AddAdministration().AddMiddleware();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Every row of every table, by table, with all properties, ETag and Timestamp: for byte-for-byte comparisons.</summary>
    public static async Task<SortedDictionary<string, List<string>>> SnapshotAsync(AzuriteFixture azurite, Func<TableEntity, bool> include)
    {
        var service = new TableServiceClient(azurite.ConnectionString);
        var snapshot = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var table in service.QueryAsync())
        {
            var rows = new List<string>();
            await foreach (var row in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                if (include(row))
                {
                    rows.Add(string.Join("|", row.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Format(p.Value)}")) + $"|etag={row.ETag}");
                }
            }

            snapshot[table.Name] = rows;
        }

        return snapshot;
    }

    private static string Format(object? value) => value switch
    {
        byte[] bytes => Convert.ToBase64String(bytes),
        DateTimeOffset at => at.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
