using System.Buffers.Text;
using System.Text;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;

namespace AgentFunctions.DataStore;

/// <summary>
/// The key scheme and input formats of the data store. Changing the key scheme is a breaking change
/// for stored data.
/// <list type="bullet">
/// <item>Collection: <c>^[a-z0-9][a-z0-9_-]{0,62}$</c> (<see cref="Identifiers.IsLowerSlug"/>, 63 characters).</item>
/// <item>Record id: <see cref="Identifiers.IsResourceId"/> (<c>^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$</c>).</item>
/// <item>RowKey <c>{collection}|{id}</c>. Neither part can contain <c>|</c>, and every character either may
/// hold sorts below <c>|</c> (U+007C), so one collection's rows are exactly the range
/// <c>[collection + "|", collection + "}")</c>: collection <c>a</c> never reaches <c>a-b|…</c> or <c>ab|…</c>.</item>
/// </list>
/// </summary>
internal static class DataRecordKeys
{
    public const int CollectionMaxLength = 63;

    private const char Separator = '|';

    /// <summary>The character right after <see cref="Separator"/>: the exclusive upper bound of a collection's range.</summary>
    private const char AfterSeparator = '}';

    public static void ValidateCollection(string? collection)
    {
        if (!Identifiers.IsLowerSlug(collection, CollectionMaxLength))
        {
            throw ApiException.InvalidRequest("collection", $"must be 1-{CollectionMaxLength} characters of a-z, 0-9, '-' and '_', starting with a letter or digit.");
        }
    }

    public static void ValidateId(string? id)
    {
        Identifiers.EnsureResourceId(id, "id");
    }

    internal static string RowKey(string collection, string id) => string.Concat(collection, Separator.ToString(), id);

    /// <summary>The first RowKey of a collection (inclusive lower bound).</summary>
    internal static string RangeStart(string collection) => collection + Separator;

    /// <summary>The first RowKey after a collection (exclusive upper bound).</summary>
    internal static string RangeEnd(string collection) => collection + AfterSeparator;

    /// <summary>The record id of a RowKey of <paramref name="collection"/>.</summary>
    internal static string IdOf(string collection, string rowKey) => rowKey[(collection.Length + 1)..];

    /// <summary>
    /// The list cursor: base64url of the last returned RowKey. It is only a starting point inside the
    /// query's own bounds (the org's partition, the collection's range), so even a forged one cannot
    /// reach other data; it is still refused unless it names a valid id of the same collection.
    /// </summary>
    internal static string EncodeCursor(string collection, string lastId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(RowKey(collection, lastId)));

    /// <summary>The last id a cursor points after, or an <see cref="ApiException"/> (400) for a cursor this collection never issued.</summary>
    internal static string DecodeCursor(string collection, string cursor)
    {
        string rowKey;
        try
        {
            rowKey = cursor.Length <= 2 * (CollectionMaxLength + 1 + Identifiers.ResourceIdMaxLength)
                ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor))
                : string.Empty;
        }
        catch (FormatException)
        {
            rowKey = string.Empty;
        }

        var start = RangeStart(collection);
        if (!rowKey.StartsWith(start, StringComparison.Ordinal) || !Identifiers.IsResourceId(rowKey[start.Length..]))
        {
            throw ApiException.InvalidRequest("cursor", "is not a cursor of this collection; pass the 'cursor' value of the previous page unchanged.");
        }

        return rowKey[start.Length..];
    }
}
