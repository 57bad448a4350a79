using AgentFunctions.DataStore;
using AgentFunctions.Errors;

namespace AgentFunctions.Tests.DataStore;

public sealed class DataRecordKeysTests
{
    private const string CollectionChars = "abcdefghijklmnopqrstuvwxyz0123456789-_";
    private const string IdChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

    [Fact]
    public void Range_EveryNeighbourCollection_FallsOutside()
    {
        foreach (var next in CollectionChars)
        {
            foreach (var first in "0Az")
            {
                var neighbour = DataRecordKeys.RowKey("a" + next, first + "x");

                Assert.False(InRange("a", neighbour), $"{neighbour} must not be in collection a");
            }
        }
    }

    [Fact]
    public void Range_EveryIdOfTheCollection_FallsInside()
    {
        foreach (var first in IdChars.Where(char.IsAsciiLetterOrDigit))
        {
            foreach (var last in IdChars)
            {
                Assert.True(InRange("a", DataRecordKeys.RowKey("a", $"{first}{last}")));
            }
        }

        Assert.True(InRange("a", DataRecordKeys.RowKey("a", new string('z', 128))));
    }

    [Fact]
    public void Cursor_RoundTrip_ReturnsLastId()
    {
        var cursor = DataRecordKeys.EncodeCursor("notes", "Id.With-All_Chars9");

        Assert.Equal("Id.With-All_Chars9", DataRecordKeys.DecodeCursor("notes", cursor));
    }

    [Fact]
    public void Cursor_OfOtherCollection_Throws400()
    {
        var cursor = DataRecordKeys.EncodeCursor("notes", "n1");

        var error = Assert.Throws<ApiException>(() => DataRecordKeys.DecodeCursor("notes-archive", cursor));

        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void Cursor_Oversized_Throws400WithoutDecoding()
    {
        var error = Assert.Throws<ApiException>(() => DataRecordKeys.DecodeCursor("notes", new string('A', 100_000)));

        Assert.StartsWith("'cursor'", error.Message, StringComparison.Ordinal);
    }

    private static bool InRange(string collection, string rowKey) =>
        string.CompareOrdinal(rowKey, DataRecordKeys.RangeStart(collection)) >= 0
        && string.CompareOrdinal(rowKey, DataRecordKeys.RangeEnd(collection)) < 0;
}
