using System.Text;
using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Knowledge;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace AgentFunctions.Http;

/// <summary>
/// Reads a document file from <c>PUT /api/documents/{documentId}</c>: <c>multipart/form-data</c> (parts <c>file</c>,
/// <c>title</c>?, <c>metadata</c>?, read with ASP.NET Core's <see cref="MultipartReader"/>) or a raw body whose
/// <c>Content-Type</c> names the format (title from <c>?title=</c>). 415 for a type that is not read, before the body
/// is; 413 past <c>maxBytes</c>; 400 naming the part that is wrong.
/// </summary>
internal static class DocumentUploadReader
{
    /// <summary>Room for the parts' headers and boundaries, and for the title and metadata fields, on top of the file.</summary>
    private const int FormOverheadBytes = 64 * 1024;

    /// <summary>Whether the body is the JSON document shape (<c>title</c> and <c>content</c>): a JSON type, or none at all.</summary>
    public static bool IsJson(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.ContentType))
        {
            return true;
        }

        return MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<DocumentUpload> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            throw Unsupported($"'{request.ContentType}' is not a media type.");
        }

        if (type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadFormAsync(request, type, maxBytes, cancellationToken).ConfigureAwait(false);
        }

        if (!FileFormats.TryResolve(request.ContentType, null, out var format))
        {
            throw Unsupported($"Documents of type '{type.MediaType}' are not read.");
        }

        var content = await RequestBody.ReadCappedAsync(request.Body, request.ContentLength, maxBytes, "The document", cancellationToken).ConfigureAwait(false);
        return new DocumentUpload(format, content, null, request.Query["title"].FirstOrDefault(), null);
    }

    private static async Task<DocumentUpload> ReadFormAsync(HttpRequest request, MediaTypeHeaderValue type, int maxBytes, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw ApiException.InvalidRequest("Content-Type", "multipart/form-data needs a boundary.");
        }

        if (request.ContentLength > (long)maxBytes + FormOverheadBytes)
        {
            throw ApiException.PayloadTooLarge($"The document is larger than {maxBytes} bytes.");
        }

        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = (long)maxBytes + FormOverheadBytes };
        (FileFormat Format, ReadOnlyMemory<byte> Content, string? FileName)? file = null;
        string? title = null;
        JsonElement? metadata = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw ApiException.InvalidRequest("body", "every part of the form needs a 'Content-Disposition: form-data; name=...' header.");
                }

                switch (HeaderUtilities.RemoveQuotes(disposition.Name).Value)
                {
                    case "file":
                        var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                        if (!FileFormats.TryResolve(section.ContentType, fileName, out var format))
                        {
                            throw Unsupported($"The file '{fileName}' of type '{section.ContentType ?? "(none)"}' is not read.");
                        }

                        var content = await RequestBody.ReadCappedAsync(section.Body, null, maxBytes, "The document", cancellationToken).ConfigureAwait(false);
                        file = (format, content, fileName);
                        break;
                    case "title":
                        title = await ReadFieldAsync(section, "title", cancellationToken).ConfigureAwait(false);
                        break;
                    case "metadata":
                        metadata = ParseMetadata(await ReadFieldAsync(section, "metadata", cancellationToken).ConfigureAwait(false));
                        break;
                    default:
                        break; // other fields are not ours to refuse (a client may send its own)
                }
            }
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.PayloadTooLarge($"The document is larger than {maxBytes} bytes.");
        }
        catch (IOException)
        {
            throw ApiException.InvalidRequest("body", "is not a complete multipart/form-data body.");
        }

        return file is { } f
            ? new DocumentUpload(f.Format, f.Content, f.FileName, title, metadata)
            : throw ApiException.InvalidRequest("file", "is required: send the document as the form's 'file' part.");
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, string name, CancellationToken cancellationToken)
    {
        var bytes = await RequestBody.ReadCappedAsync(section.Body, null, KnowledgeService.MaxMetadataLength * 4, $"The '{name}' field", cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(bytes.Span);
    }

    private static JsonElement ParseMetadata(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw ApiException.InvalidRequest("metadata", "must be a JSON object.");
        }
    }

    private static ApiException Unsupported(string problem) =>
        ApiException.UnsupportedMediaType($"{problem} Send one of: {FileFormats.Supported}, as the body or as the 'file' part of multipart/form-data.");
}
