namespace AgentFunctions.Knowledge;

/// <summary>A staged upload: its id (the blob's and the queue message's), and what the file's PUT said about it.</summary>
internal sealed record PendingUpload(string UploadId, FileFormat Format, string? FileName, string? Title, string? Metadata);
