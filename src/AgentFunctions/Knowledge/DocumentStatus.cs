namespace AgentFunctions.Knowledge;

/// <summary>The <c>status</c> of a document (<c>GET /api/documents/{documentId}</c>).</summary>
internal static class DocumentStatus
{
    /// <summary>Its current version is searchable.</summary>
    public const string Ready = "ready";

    /// <summary>A large upload is being ingested in the background; the earlier version, if any, stays searchable until it is done.</summary>
    public const string Processing = "processing";

    /// <summary>The last upload could not be ingested (<c>error</c> says why); the earlier version, if any, stays searchable.</summary>
    public const string Failed = "failed";
}
