using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Audit;

internal static class AuditRegistration
{
    /// <summary>
    /// The per-org audit trail, which replaces the log-only auditor (and still logs every access). Its access rows are held
    /// and written with the usage (<see cref="Usage.UsageRegistration.AddUsage"/> must be registered too).
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoggingOrgAccessAuditor>();
        services.TryAddSingleton<TableAuditTrail>();
        services.TryAddSingleton<IAuditTrail>(sp => sp.GetRequiredService<TableAuditTrail>());
        services.Replace(ServiceDescriptor.Singleton<IOrgAccessAuditor>(sp => sp.GetRequiredService<TableAuditTrail>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, TableAuditTrail>(sp => sp.GetRequiredService<TableAuditTrail>()));
        return services;
    }
}
