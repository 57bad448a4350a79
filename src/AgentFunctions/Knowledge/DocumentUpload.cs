using System.Text.Json;

namespace AgentFunctions.Knowledge;

/// <summary>
/// A document sent as a file (<c>multipart/form-data</c> or a raw body): its format, bytes, file name, and the
/// optional <c>title</c> and <c>metadata</c> fields (a file without a title is named by its own title, else its file name, else its id).
/// </summary>
internal sealed record DocumentUpload(FileFormat Format, ReadOnlyMemory<byte> Content, string? FileName, string? Title, JsonElement? Metadata);
