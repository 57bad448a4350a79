using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tenancy;

/// <summary>Audits every org access as a structured log event.</summary>
internal sealed partial class LoggingOrgAccessAuditor(ILogger<LoggingOrgAccessAuditor> logger) : IOrgAccessAuditor
{
    public ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken)
    {
        LogAccess(logger, record.OrgId.Value, record.Principal, record.Function, record.Action, record.Outcome, record.TraceId, record.Reason);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "Org access {OrgId} by {Principal} to {FunctionName} ({Action}): {Outcome} trace {TraceId} reason {Reason}")]
    private static partial void LogAccess(ILogger logger, string orgId, string principal, string functionName, string action, AccessOutcome outcome, string traceId, string? reason);
}
