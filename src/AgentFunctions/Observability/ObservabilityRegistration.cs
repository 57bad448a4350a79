using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentFunctions.Observability;

internal static class ObservabilityRegistration
{
    /// <summary>The worker's own activity source (function invocations).</summary>
    private const string WorkerActivitySource = "Microsoft.Azure.Functions.Worker";

    /// <summary>
    /// <see cref="AgentMetrics"/> always; OpenTelemetry traces, metrics and logs exported to
    /// Application Insights and/or OTLP only when configured (see <see cref="TelemetrySettings"/>).
    /// </summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton<AgentMetrics>();

        var settings = TelemetrySettings.From(configuration);
        if (!settings.Enabled || services.Any(d => d.ServiceType == typeof(TelemetryAdded)))
        {
            return services; // a second call must not add a second exporter
        }

        services.AddSingleton<TelemetryAdded>();

        var credential = settings.CreateCredential();
        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .AddSource(WorkerActivitySource)
                .AddHttpClientInstrumentation()
                .AddProcessor(new OrgIdActivityProcessor()))
            .WithMetrics(metrics => metrics
                .AddMeter(AgentMetrics.MeterName)
                .AddHttpClientInstrumentation());
        services.Configure<OpenTelemetryLoggerOptions>(logging => logging.IncludeScopes = true);

        if (settings.ExportsToApplicationInsights)
        {
            telemetry.UseAzureMonitorExporter(exporter =>
            {
                exporter.ConnectionString = settings.ApplicationInsightsConnectionString;
                exporter.Credential = credential;
            });
        }

        if (settings.ExportsOverOtlp)
        {
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>Marks the collection once telemetry export is set up.</summary>
    private sealed class TelemetryAdded;
}
