namespace AgentFunctions.DataStore;

/// <summary>
/// The precondition of a write. <see cref="IfMatch"/>: an ETag from an earlier read, or <c>*</c>
/// (the record must exist); <see cref="CreateOnly"/>: the record must not exist yet (<c>If-None-Match: *</c>).
/// A failed precondition is 412 <c>precondition_failed</c> and nothing is written.
/// </summary>
internal readonly record struct DataPrecondition(string? IfMatch = null, bool CreateOnly = false)
{
    public static DataPrecondition None => default;
}
