using System.Text;
using System.Text.Json;
using AgentFunctions.DataStore;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Azure.Data.Tables;
using static AgentFunctions.IntegrationTests.DataStore.DataStoreFixture;

namespace AgentFunctions.IntegrationTests.DataStore;

[Collection(DataStoreTestGroup.Name)]
public sealed class DataRecordStoreTests(DataStoreFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly DataRecordStore _store = fixture.Store;

    [Fact]
    public async Task PutAsync_NewRecord_GetReturnsValueAndSameETag()
    {
        var org = NewOrg();

        var etag = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"text":"héllo","n":[1,2]}"""), DataPrecondition.None, None);
        var record = await _store.GetAsync(org, "notes", "n1", None);

        Assert.Equal("n1", record.Id);
        Assert.Equal("""{"text":"héllo","n":[1,2]}""", record.Value.GetRawText());
        Assert.Equal(etag, record.ETag);
        var row = Assert.Single(await fixture.RowsAsync(org));
        Assert.Equal("notes|n1", row.RowKey);
    }

    [Fact]
    public async Task PutAsync_Replace_ChangesValueAndETag()
    {
        var org = NewOrg();
        var first = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, None);

        var second = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":2}"""), DataPrecondition.None, None);

        Assert.NotEqual(first, second);
        Assert.Equal(2, (await _store.GetAsync(org, "notes", "n1", None)).Value.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task PutAsync_CurrentIfMatch_Replaces()
    {
        var org = NewOrg();
        var etag = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, None);

        await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":2}"""), new DataPrecondition(IfMatch: etag), None);

        Assert.Equal(2, (await _store.GetAsync(org, "notes", "n1", None)).Value.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task PutAsync_StaleIfMatch_Throws412AndKeepsNewerValue()
    {
        var org = NewOrg();
        var stale = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, None);
        await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":2}"""), new DataPrecondition(IfMatch: stale), None);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":3}"""), new DataPrecondition(IfMatch: stale), None));

        Assert.Equal((412, ErrorCodes.PreconditionFailed), (error.Status, error.Code));
        Assert.Equal(2, (await _store.GetAsync(org, "notes", "n1", None)).Value.GetProperty("v").GetInt32());
    }

    [Theory]
    [InlineData("*")]
    [InlineData("W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"")]
    public async Task PutAsync_IfMatchOnMissingRecord_Throws412AndWritesNothing(string ifMatch)
    {
        var org = NewOrg();

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), new DataPrecondition(IfMatch: ifMatch), None));

        Assert.Equal(412, error.Status);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutAsync_CreateOnlyOnExisting_Throws412AndKeepsValue()
    {
        var org = NewOrg();
        await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), new DataPrecondition(CreateOnly: true), None);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":2}"""), new DataPrecondition(CreateOnly: true), None));

        Assert.Equal(412, error.Status);
        Assert.Equal(1, (await _store.GetAsync(org, "notes", "n1", None)).Value.GetProperty("v").GetInt32());
    }

    [Theory]
    [InlineData("not-quoted")]
    [InlineData("\"a\", \"b\"")]
    [InlineData("W/")]
    public async Task PutAsync_MalformedIfMatch_Throws400BeforeWriting(string ifMatch)
    {
        var org = NewOrg();

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), new DataPrecondition(IfMatch: ifMatch), None));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.Contains("If-Match", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutAsync_LargeValueAcrossChunks_RoundTripsExactly()
    {
        var org = NewOrg();
        var text = string.Concat(Enumerable.Repeat("ünïcødé-", 21_000)); // 12 bytes of UTF-8 each: 252,000 bytes, 5 chunks
        var value = JsonOf($$"""{"text":"{{text}}"}""");
        Assert.InRange(Encoding.UTF8.GetByteCount(value.GetRawText()), 4 * DataRecordStore.ChunkBytes, DataRecordStore.MaxValueBytes);

        await _store.PutAsync(org, "big", "b1", value, DataPrecondition.None, None);
        var record = await _store.GetAsync(org, "big", "b1", None);

        Assert.Equal(text, record.Value.GetProperty("text").GetString());
        Assert.NotNull(Assert.Single(await fixture.RowsAsync(org)).GetBinary("Value4"));
    }

    [Fact]
    public async Task PutAsync_ShorterValueAfterLongOne_LeavesNoStaleChunk()
    {
        var org = NewOrg();
        await _store.PutAsync(org, "big", "b1", JsonOf(JsonSerializer.Serialize(new { text = new string('x', 150_000) })), DataPrecondition.None, None);

        await _store.PutAsync(org, "big", "b1", JsonOf("""{"small":true}"""), DataPrecondition.None, None);

        var row = Assert.Single(await fixture.RowsAsync(org));
        Assert.Null(row.GetBinary("Value1"));
        Assert.Equal("""{"small":true}""", (await _store.GetAsync(org, "big", "b1", None)).Value.GetRawText());
    }

    [Fact]
    public async Task PutAsync_ValueOverLimit_Throws413AndWritesNothing()
    {
        var org = NewOrg();
        var value = JsonOf(JsonSerializer.Serialize(new { text = new string('x', DataRecordStore.MaxValueBytes) }));

        var error = await Assert.ThrowsAsync<ApiException>(() => _store.PutAsync(org, "big", "b1", value, DataPrecondition.None, None));

        Assert.Equal((413, ErrorCodes.PayloadTooLarge), (error.Status, error.Code));
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task PutAsync_ValueOverLimitOnExistingRecord_Throws413AndKeepsOldValue()
    {
        var org = NewOrg();
        await _store.PutAsync(org, "big", "b1", JsonOf("""{"v":1}"""), DataPrecondition.None, None);

        await Assert.ThrowsAsync<ApiException>(() =>
            _store.PutAsync(org, "big", "b1", JsonOf(JsonSerializer.Serialize(new { text = new string('x', DataRecordStore.MaxValueBytes) })), DataPrecondition.None, None));

        Assert.Equal("""{"v":1}""", (await _store.GetAsync(org, "big", "b1", None)).Value.GetRawText());
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public async Task PutAsync_ValueNotAnObject_Throws400AndWritesNothing(string json)
    {
        var org = NewOrg();

        var error = await Assert.ThrowsAsync<ApiException>(() => _store.PutAsync(org, "notes", "n1", JsonOf(json), DataPrecondition.None, None));

        Assert.Equal(400, error.Status);
        Assert.Contains("'value'", error.Message, StringComparison.Ordinal);
        Assert.Empty(await fixture.RowsAsync(org));
    }

    public static TheoryData<string> HostileCollections => new()
    {
        "", "A", "Notes", "a|b", "a/b", "a\\b", "a#b", "a?b", "../x", "a b", "a'b", "a\"b", "-a", "_a", "a.b",
        "a}", "a\u0000", "a\n", "é", "a\u200b", new string('a', 64), "a' or PartitionKey ne 'x",
    };

    public static TheoryData<string> HostileIds => new()
    {
        "", "a|b", "a/b", "a\\b", "a#b", "a?b", ".a", "-a", "_a", "a b", "a'b", "a\"b", "a\u0000", "a\t", "é", "a}",
        new string('a', 129), "x' or RowKey gt '",
    };

    [Theory]
    [MemberData(nameof(HostileCollections))]
    public async Task AllOperations_HostileCollection_Throw400NamingCollectionAndWriteNothing(string collection)
    {
        var org = NewOrg();

        var errors = new[]
        {
            await Assert.ThrowsAsync<ApiException>(() => _store.PutAsync(org, collection, "n1", JsonOf("{}"), DataPrecondition.None, None)),
            await Assert.ThrowsAsync<ApiException>(() => _store.GetAsync(org, collection, "n1", None)),
            await Assert.ThrowsAsync<ApiException>(() => _store.DeleteAsync(org, collection, "n1", DataPrecondition.None, None)),
            await Assert.ThrowsAsync<ApiException>(() => _store.ListAsync(org, collection, null, null, None)),
        };

        Assert.All(errors, e => Assert.Equal((400, ErrorCodes.InvalidRequest), (e.Status, e.Code)));
        Assert.All(errors, e => Assert.StartsWith("'collection'", e.Message, StringComparison.Ordinal));
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Theory]
    [MemberData(nameof(HostileIds))]
    public async Task RecordOperations_HostileId_Throw400NamingIdAndWriteNothing(string id)
    {
        var org = NewOrg();

        var errors = new[]
        {
            await Assert.ThrowsAsync<ApiException>(() => _store.PutAsync(org, "notes", id, JsonOf("{}"), DataPrecondition.None, None)),
            await Assert.ThrowsAsync<ApiException>(() => _store.GetAsync(org, "notes", id, None)),
            await Assert.ThrowsAsync<ApiException>(() => _store.DeleteAsync(org, "notes", id, DataPrecondition.None, None)),
        };

        Assert.All(errors, e => Assert.Equal((400, ErrorCodes.InvalidRequest), (e.Status, e.Code)));
        Assert.All(errors, e => Assert.StartsWith("'id'", e.Message, StringComparison.Ordinal));
        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task AllOperations_TwoOrgsSameKeys_NeverCross()
    {
        var (a, b) = (NewOrg(), NewOrg());
        await _store.PutAsync(a, "notes", "shared", JsonOf("""{"owner":"a"}"""), DataPrecondition.None, None);
        await _store.PutAsync(b, "notes", "shared", JsonOf("""{"owner":"b"}"""), DataPrecondition.None, None);
        await _store.PutAsync(b, "notes", "only-b", JsonOf("""{"owner":"b"}"""), DataPrecondition.None, None);

        var listA = await _store.ListAsync(a, "notes", null, null, None);
        var missingInA = await Assert.ThrowsAsync<ApiException>(() => _store.GetAsync(a, "notes", "only-b", None));
        await _store.DeleteAsync(a, "notes", "shared", DataPrecondition.None, None);
        await _store.DeleteAsync(a, "notes", "only-b", DataPrecondition.None, None);

        Assert.Equal(["shared"], listA.Items.Select(i => i.Id));
        Assert.Equal("a", listA.Items[0].Value.GetProperty("owner").GetString());
        Assert.Equal((404, ErrorCodes.NotFound), (missingInA.Status, missingInA.Code));
        Assert.Empty(await fixture.RowsAsync(a));
        Assert.Equal("b", (await _store.GetAsync(b, "notes", "shared", None)).Value.GetProperty("owner").GetString());
        Assert.Equal("b", (await _store.GetAsync(b, "notes", "only-b", None)).Value.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task GetAsync_OtherOrgsRecord_SameErrorAsNeverWritten()
    {
        var (a, b) = (NewOrg(), NewOrg());
        await _store.PutAsync(b, "notes", "secret", JsonOf("""{"v":1}"""), DataPrecondition.None, None);

        var otherOrgs = await Assert.ThrowsAsync<ApiException>(() => _store.GetAsync(a, "notes", "secret", None));
        await _store.DeleteAsync(b, "notes", "secret", DataPrecondition.None, None);
        var missing = await Assert.ThrowsAsync<ApiException>(() => _store.GetAsync(a, "notes", "secret", None));

        Assert.Equal((missing.Status, missing.Code, missing.Message), (otherOrgs.Status, otherOrgs.Code, otherOrgs.Message));
    }

    [Fact]
    public async Task PutAsync_IfMatchWithOtherOrgsETag_Throws412AndLeavesBothUnchanged()
    {
        var (a, b) = (NewOrg(), NewOrg());
        var etagB = await _store.PutAsync(b, "notes", "n1", JsonOf("""{"owner":"b"}"""), DataPrecondition.None, None);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            _store.PutAsync(a, "notes", "n1", JsonOf("""{"owner":"a"}"""), new DataPrecondition(IfMatch: etagB), None));

        Assert.Equal(412, error.Status);
        Assert.Empty(await fixture.RowsAsync(a));
        Assert.Equal("b", (await _store.GetAsync(b, "notes", "n1", None)).Value.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task ListAsync_NeighbouringCollections_ReturnsOnlyItsOwn()
    {
        var org = NewOrg();
        foreach (var collection in new[] { "a", "a-b", "a_b", "ab", "a0", "b", "0" })
        {
            await _store.PutAsync(org, collection, "r1", JsonOf($$"""{"c":"{{collection}}"}"""), DataPrecondition.None, None);
        }

        await _store.PutAsync(org, "a", "r2", JsonOf("""{"c":"a"}"""), DataPrecondition.None, None);

        var page = await _store.ListAsync(org, "a", null, null, None);
        var dashed = await _store.ListAsync(org, "a-b", null, null, None);

        Assert.Equal(["r1", "r2"], page.Items.Select(i => i.Id));
        Assert.All(page.Items, i => Assert.Equal("a", i.Value.GetProperty("c").GetString()));
        Assert.Null(page.Cursor);
        Assert.Equal("a-b", Assert.Single(dashed.Items).Value.GetProperty("c").GetString());
    }

    [Fact]
    public async Task ListAsync_Paged_ReturnsEveryRecordOnceInIdOrder()
    {
        var org = NewOrg();
        var ids = Enumerable.Range(0, 7).Select(i => $"r{i}").ToList();
        foreach (var id in ids)
        {
            await _store.PutAsync(org, "items", id, JsonOf("{}"), DataPrecondition.None, None);
        }

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await _store.ListAsync(org, "items", 3, cursor, None);
            seen.AddRange(page.Items.Select(i => i.Id));
            cursor = page.Cursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task ListAsync_ExactlyLimitRecords_NoCursor()
    {
        var org = NewOrg();
        await _store.PutAsync(org, "items", "r1", JsonOf("{}"), DataPrecondition.None, None);
        await _store.PutAsync(org, "items", "r2", JsonOf("{}"), DataPrecondition.None, None);

        var page = await _store.ListAsync(org, "items", 2, null, None);

        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.Cursor);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(DataRecordStore.MaxListLimit + 1)]
    public async Task ListAsync_LimitOutOfRange_Throws400NamingLimit(int limit)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => _store.ListAsync(NewOrg(), "items", limit, null, None));

        Assert.StartsWith("'limit'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage!")]
    [InlineData("e30")] // "{}"
    [InlineData("b3RoZXJ8cjE")] // "other|r1": another collection
    [InlineData("aXRlbXN9")] // "items}": past the collection's range
    [InlineData("aXRlbXN8")] // "items|": no id
    [InlineData("aXRlbXN8YXxiJw")] // "items|a|b'": not an id
    public async Task ListAsync_ForgedCursor_Throws400NamingCursor(string cursor)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => _store.ListAsync(NewOrg(), "items", null, cursor, None));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith("'cursor'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_CursorFromOtherOrg_StaysInOwnOrg()
    {
        var (a, b) = (NewOrg(), NewOrg());
        foreach (var id in new[] { "r1", "r2", "r3" })
        {
            await _store.PutAsync(a, "items", id, JsonOf("""{"owner":"a"}"""), DataPrecondition.None, None);
        }

        await _store.PutAsync(b, "items", "r9", JsonOf("""{"owner":"b"}"""), DataPrecondition.None, None);
        var cursorOfA = (await _store.ListAsync(a, "items", 1, null, None)).Cursor;

        var page = await _store.ListAsync(b, "items", null, cursorOfA, None);

        Assert.Equal(["r9"], page.Items.Select(i => i.Id));
        Assert.Equal("b", page.Items[0].Value.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task DeleteAsync_Missing_Succeeds()
    {
        var org = NewOrg();

        await _store.DeleteAsync(org, "notes", "never", DataPrecondition.None, None);

        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task DeleteAsync_StaleIfMatch_Throws412AndKeepsRecord()
    {
        var org = NewOrg();
        var stale = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, None);
        await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":2}"""), DataPrecondition.None, None);

        var error = await Assert.ThrowsAsync<ApiException>(() => _store.DeleteAsync(org, "notes", "n1", new DataPrecondition(IfMatch: stale), None));

        Assert.Equal(412, error.Status);
        Assert.Equal(2, (await _store.GetAsync(org, "notes", "n1", None)).Value.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task DeleteAsync_CurrentIfMatch_Deletes()
    {
        var org = NewOrg();
        var etag = await _store.PutAsync(org, "notes", "n1", JsonOf("""{"v":1}"""), DataPrecondition.None, None);

        await _store.DeleteAsync(org, "notes", "n1", new DataPrecondition(IfMatch: etag), None);

        Assert.Empty(await fixture.RowsAsync(org));
    }

    [Fact]
    public async Task DeleteAsync_IfMatchOnMissing_Throws412()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => _store.DeleteAsync(NewOrg(), "notes", "n1", new DataPrecondition(IfMatch: "*"), None));

        Assert.Equal(412, error.Status);
    }

    [Fact]
    public async Task DeleteAllAsync_ManyRecords_DeletesOrgAndLeavesOtherOrgsByteForByte()
    {
        var (gone, kept) = (NewOrg(), NewOrg());
        await FillAsync(gone, 250);
        await FillAsync(kept, 30);
        var before = Snapshot(await fixture.RowsAsync(kept));

        await _store.DeleteAllAsync(gone, None);

        Assert.Empty(await fixture.RowsAsync(gone));
        Assert.Equal(before, Snapshot(await fixture.RowsAsync(kept)));
    }

    [Fact]
    public async Task DeleteAllAsync_RepeatedAndConcurrent_Completes()
    {
        var org = NewOrg();
        await FillAsync(org, 120);

        await Task.WhenAll(_store.DeleteAllAsync(org, None), _store.DeleteAllAsync(org, None));
        await _store.DeleteAllAsync(org, None);

        Assert.Empty(await fixture.RowsAsync(org));
    }

    private async Task FillAsync(OrgId org, int count)
    {
        var actions = Enumerable.Range(0, count).Select(i =>
        {
            var entity = new TableEntity(org.Value, $"c{i % 3}|r{i:D4}") { ["Value0"] = Encoding.UTF8.GetBytes($$"""{"i":{{i}}}""") };
            return new TableTransactionAction(TableTransactionActionType.Add, entity);
        });
        foreach (var batch in actions.Chunk(100))
        {
            await fixture.Table.SubmitTransactionAsync(batch);
        }
    }

    private static List<string> Snapshot(List<TableEntity> rows) =>
        [.. rows.Select(r => $"{r.PartitionKey}/{r.RowKey}/{r.ETag}/{Convert.ToBase64String(r.GetBinary("Value0"))}")];
}
