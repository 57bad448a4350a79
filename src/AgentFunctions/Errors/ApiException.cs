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

    /// <summary>415 naming the media types that are accepted.</summary>
    public static ApiException UnsupportedMediaType(string detail) => new(415, ErrorCodes.UnsupportedMediaType, detail);

    /// <summary>422: the file is of a supported type but cannot be read (damaged, encrypted, no text); the detail names the problem.</summary>
    public static ApiException UnreadableDocument(string detail) => new(422, ErrorCodes.UnreadableDocument, detail);

    public static ApiException ModelUnavailable(int status, string detail) => new(status, ErrorCodes.ModelUnavailable, detail);

    /// <summary>503 with <c>Retry-After</c>: storage refused, did not answer or failed after the storage client's retries.</summary>
    public static ApiException StorageUnavailable() =>
        new(503, ErrorCodes.StorageUnavailable, "Storage could not be reached or failed after retries; retry after the time in Retry-After.", TimeSpan.FromSeconds(10));
}
