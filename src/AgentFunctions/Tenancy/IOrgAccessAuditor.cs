namespace AgentFunctions.Tenancy;

/// <summary>Records every org access (allowed, denied, failed) as a structured event.</summary>
internal interface IOrgAccessAuditor
{
    ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken);
}
