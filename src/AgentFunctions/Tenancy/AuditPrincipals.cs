namespace AgentFunctions.Tenancy;

/// <summary>Fixed principals of audited refusals.</summary>
internal static class AuditPrincipals
{
    /// <summary>No credential, or one that is not valid (the caller is unknown).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>
    /// A valid credential of another org: the attempt is in the target org's trail, but not whose credential it
    /// was (another tenant's key id or token subject is not this org's business; the log event has it).
    /// </summary>
    public const string ForeignCredential = "foreign-credential";
}
