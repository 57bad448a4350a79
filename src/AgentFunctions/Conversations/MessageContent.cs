using System.Globalization;
using System.Text;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using Azure.Data.Tables;

namespace AgentFunctions.Conversations;

/// <summary>
/// Message text is stored whole: a Table string property holds at most 32,768 UTF-16 characters
/// (64 KiB), so longer text is split across <c>Content</c>, <c>Content1</c>, ... <c>Content14</c> of the
/// same row (15 parts, ~960 KiB, inside the 1 MiB entity limit). Longer text is refused with 413;
/// nothing is ever cut.
/// </summary>
internal static class MessageContent
{
    public const int PartLength = 32_768;

    public const int MaxParts = 15;

    /// <summary>The longest content that always fits (a split never separates a surrogate pair, which can cost a character per part).</summary>
    public const int MaxLength = (PartLength - 1) * MaxParts;

    private const string PartsProperty = "Parts";
    private const string FirstPart = "Content";

    /// <summary>Splits before any I/O; throws 413 <c>payload_too_large</c> when the text does not fit.</summary>
    public static List<string> Split(string content, string what)
    {
        var parts = TextParts.Split(content, PartLength);
        if (parts.Count > MaxParts)
        {
            throw ApiException.PayloadTooLarge(
                string.Create(CultureInfo.InvariantCulture, $"The {what} message is {content.Length} characters; a stored message holds at most {MaxLength}."));
        }

        return parts;
    }

    public static void Write(TableEntity entity, List<string> parts)
    {
        entity[PartsProperty] = parts.Count;
        for (var i = 0; i < parts.Count; i++)
        {
            entity[PartName(i)] = parts[i];
        }
    }

    public static string Read(TableEntity entity)
    {
        var count = entity.GetInt32(PartsProperty) ?? 1;
        if (count == 1)
        {
            return entity.GetString(FirstPart) ?? string.Empty;
        }

        var text = new StringBuilder(count * PartLength);
        for (var i = 0; i < count; i++)
        {
            text.Append(entity.GetString(PartName(i)) ?? throw new InvalidDataException($"Message row {entity.RowKey} lacks {PartName(i)}."));
        }

        return text.ToString();
    }

    private static string PartName(int index) =>
        index == 0 ? FirstPart : string.Create(CultureInfo.InvariantCulture, $"{FirstPart}{index}");
}
