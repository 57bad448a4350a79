namespace AgentFunctions.Storage;

/// <summary>
/// Splits text that is too long for one Table string property (32K UTF-16 characters) into parts of
/// at most <c>partLength</c> characters, never between the two halves of a surrogate pair (a half
/// would be stored as U+FFFD and the character lost).
/// </summary>
internal static class TextParts
{
    public static List<string> Split(string text, int partLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<string>(1 + (text.Length / partLength));
        var start = 0;
        do
        {
            var length = Math.Min(partLength, text.Length - start);
            if (length == partLength && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            parts.Add(text.Substring(start, length));
            start += length;
        }
        while (start < text.Length);

        return parts;
    }
}
