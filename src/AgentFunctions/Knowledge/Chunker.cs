namespace AgentFunctions.Knowledge;

/// <summary>
/// Splits text into chunks of at most <c>size</c> characters that end, where possible, at a
/// paragraph or sentence end (else at a word boundary, else hard), each starting with up to
/// <c>overlap</c> characters of the previous chunk's end (cut at a word boundary). Pure and
/// deterministic: the same text always gives the same chunks, so a re-upload replaces in place.
/// </summary>
internal static class Chunker
{
    public static IReadOnlyList<string> Split(string text, int size, int overlap)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        if (overlap * 2 >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(overlap), "The overlap must be less than half of the chunk size.");
        }

        var chunks = new List<string>();
        var start = SkipWhitespace(text, 0);
        while (start < text.Length)
        {
            var end = start + size >= text.Length ? text.Length : FindBreak(text, start, start + size);
            var chunk = text[start..end].Trim();
            if (chunk.Length > 0)
            {
                chunks.Add(chunk);
            }

            if (end >= text.Length)
            {
                break;
            }

            start = SkipWhitespace(text, OverlapStart(text, end, overlap));
        }

        return chunks;
    }

    /// <summary>The best end in (start + size/2, limit]: paragraph end, sentence end, word boundary, or hard.</summary>
    private static int FindBreak(string text, int start, int limit)
    {
        var floor = start + ((limit - start) / 2);
        var sentence = -1;
        var word = -1;
        for (var i = limit; i > floor; i--)
        {
            // A break at i means text[..i] is the chunk and text[i] begins the next one.
            if (!char.IsWhiteSpace(text[i]))
            {
                continue;
            }

            if (text[i] == '\n' && text[i - 1] == '\n')
            {
                return i;
            }

            if (sentence < 0 && (IsSentenceEnd(text[i - 1]) || text[i] == '\n'))
            {
                sentence = i;
            }

            if (word < 0)
            {
                word = i;
            }
        }

        if (sentence >= 0)
        {
            return sentence;
        }

        if (word >= 0)
        {
            return word;
        }

        // No whitespace: cut hard, but never between the halves of a surrogate pair.
        return char.IsLowSurrogate(text[limit]) ? limit - 1 : limit;
    }

    /// <summary>Where the next chunk starts: <paramref name="overlap"/> characters back from the end, moved forward to a word start.</summary>
    private static int OverlapStart(string text, int end, int overlap)
    {
        var start = end - overlap;
        if (overlap == 0 || start <= 0 || char.IsWhiteSpace(text[start - 1]))
        {
            return end - overlap;
        }

        while (start < end && !char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        return start;
    }

    private static int SkipWhitespace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }

    private static bool IsSentenceEnd(char c) => c is '.' or '!' or '?' or ';' or ':' or '。' or '！' or '？';
}
