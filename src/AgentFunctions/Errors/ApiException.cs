namespace AgentFunctions.Errors;

/// <summary>
/// A failure with a stable error code that the exception middleware turns into
/// <c>application/problem+json</c> (docs/api.md, "Errors"). Throw it from anywhere below a function.
/// </summary>
internal class ApiException(int status, string code, string detail, TimeSpan? retryAfter = null)
    : Exception(detail)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Sent as <c>Retry-After</c> (seconds) when set.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The request field that is wrong, when one is (the OpenAI error envelope's <c>param</c>).</summary>
    public string? Field { get; init; }

    public static ApiException InvalidOrgId() =>
        new(400, ErrorCodes.InvalidOrgId, "The org id must be 1-64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit.");

    public static ApiException OrgIdRequired() =>
        new(400, ErrorCodes.OrgIdRequired, "Multitenancy is enabled and no default org is configured: send the X-Org-Id header.");

    /// <summary>400 naming the field that is wrong.</summary>
    public static ApiException InvalidRequest(string field, string problem) =>
        new(400, ErrorCodes.InvalidRequest, $"'{field}' {problem}") { Field = field };

    public static ApiException NotFound(string what) => new(404, ErrorCodes.NotFound, $"{what} was not found.");

    public static ApiException Conflict(string detail) => new(409, ErrorCodes.Conflict, detail);

    public static ApiException PayloadTooLarge(string detail) => new(413, ErrorCodes.PayloadTooLarge, detail);

    public static ApiException ModelUnavailable(int status, string detail) => new(status, ErrorCodes.ModelUnavailable, detail);
}

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
    public const string Internal = "internal";
}
