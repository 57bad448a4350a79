namespace AgentFunctions.Knowledge;

/// <summary>
/// A document as the catalog knows it: its searchable version (<see cref="Title"/>, <see cref="Chunks"/>), the state of
/// its last upload (<see cref="Status"/>, <see cref="Error"/>) and, while one is staged for background ingestion, that
/// upload (<see cref="Pending"/>).
/// </summary>
internal sealed record DocumentRecord(string DocumentId, string? Title, string Status, int Chunks, string? Error, DateTimeOffset UpdatedAt, PendingUpload? Pending);
