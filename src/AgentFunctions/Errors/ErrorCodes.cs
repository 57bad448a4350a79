namespace AgentFunctions.Errors;

/// <summary>The <c>code</c> values of problem responses. Clients match on these; never rename one.</summary>
internal static class ErrorCodes
{
    public const string InvalidOrgId = "invalid_org_id";
    public const string OrgIdRequired = "org_id_required";
    public const string OrgNotFound = "org_not_found";
    public const string OrgDisabled = "org_disabled";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string InvalidRequest = "invalid_request";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string PreconditionFailed = "precondition_failed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string QuotaExceeded = "quota_exceeded";

    /// <summary>415: a document upload of a media type that is not read (the detail lists those that are).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>422: a document upload that cannot be read: damaged, encrypted, or without text.</summary>
    public const string UnreadableDocument = "unreadable_document";

    /// <summary>429: this client address failed authentication too often this minute; its credentials are not looked up until Retry-After.</summary>
    public const string TooManyFailedAttempts = "too_many_failed_attempts";
    public const string ModelUnavailable = "model_unavailable";

    /// <summary>404: the org has no agent of that name (another org's agents are never visible).</summary>
    public const string AgentNotFound = "agent_not_found";

    /// <summary>502: the model's answer did not validate against the run's <c>responseFormat</c>, also after one retry.</summary>
    public const string InvalidModelOutput = "invalid_model_output";
    public const string QueueUnavailable = "queue_unavailable";

    /// <summary>503: the AI Search index cannot be created yet (e.g. the app's Search roles are still propagating).</summary>
    public const string KnowledgeUnavailable = "knowledge_unavailable";

    /// <summary>503: the token issuer's metadata (signing keys) cannot be read, so no bearer token can be checked.</summary>
    public const string AuthUnavailable = "auth_unavailable";

    /// <summary>503: storage refused, did not answer or failed (5xx) after the storage client's retries.</summary>
    public const string StorageUnavailable = "storage_unavailable";
    public const string Internal = "internal";
}
