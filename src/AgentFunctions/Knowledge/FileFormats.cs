namespace AgentFunctions.Knowledge;

/// <summary>Which <see cref="FileFormat"/> a media type (or, for a generic one, a file name) names.</summary>
internal static class FileFormats
{
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    private static readonly Dictionary<string, FileFormat> MediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["text/plain"] = FileFormat.Text,
        ["text/markdown"] = FileFormat.Markdown,
        ["text/x-markdown"] = FileFormat.Markdown,
        ["text/html"] = FileFormat.Html,
        ["application/xhtml+xml"] = FileFormat.Html,
        ["application/pdf"] = FileFormat.Pdf,
        [Docx] = FileFormat.Docx,
    };

    private static readonly Dictionary<string, FileFormat> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = FileFormat.Text,
        [".md"] = FileFormat.Markdown,
        [".markdown"] = FileFormat.Markdown,
        [".html"] = FileFormat.Html,
        [".htm"] = FileFormat.Html,
        [".pdf"] = FileFormat.Pdf,
        [".docx"] = FileFormat.Docx,
    };

    /// <summary>For 415 answers: every media type accepted for a file.</summary>
    public static string Supported { get; } = string.Join(", ", MediaTypes.Keys) + " (or application/json with 'title' and 'content')";

    /// <summary>
    /// The format of a body of <paramref name="mediaType"/> (parameters such as <c>charset</c> ignored); a generic type
    /// (<c>application/octet-stream</c>, or none, as browsers send for unknown files) is resolved by the file name's extension.
    /// </summary>
    public static bool TryResolve(string? mediaType, string? fileName, out FileFormat format)
    {
        var type = mediaType?.Split(';', 2)[0].Trim();
        if (!string.IsNullOrEmpty(type) && MediaTypes.TryGetValue(type, out format))
        {
            return true;
        }

        format = default;
        return (string.IsNullOrEmpty(type) || type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            && fileName is not null
            && Extensions.TryGetValue(Path.GetExtension(fileName), out format);
    }
}
