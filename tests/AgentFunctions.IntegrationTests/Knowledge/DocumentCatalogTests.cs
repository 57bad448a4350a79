using AgentFunctions.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>The document status table and the staged uploads, against Azurite.</summary>
public sealed class DocumentCatalogTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly DocumentCatalog _catalog = new(new TableProvider(new TableServiceClient(azurite.ConnectionString)), TimeProvider.System);
    private readonly DocumentUploads _uploads = new(new BlobContainerProvider(new BlobServiceClient(azurite.ConnectionString)));

    private static OrgId NewOrg(string prefix = "org") => OrgId.Parse($"{prefix}-{Guid.NewGuid():N}"[..20]);

    private static PendingUpload Pending(string uploadId) => new(uploadId, FileFormat.Pdf, "manual.pdf", "Manual", """{"k":1}""");

    [Fact]
    public async Task FinishAsync_UploadSupersededByNewerOne_FalseAndNewerStillProcessing()
    {
        var org = NewOrg();
        await _catalog.MarkReadyAsync(org, "doc", "Old", 3, default);
        await _catalog.MarkProcessingAsync(org, "doc", Pending("upload-1"), default);
        await _catalog.MarkProcessingAsync(org, "doc", Pending("upload-2"), default);

        Assert.False(await _catalog.FinishAsync(org, "doc", "upload-1", ("New", 9), null, default));

        var record = await _catalog.GetAsync(org, "doc", default);
        Assert.Equal(("Old", "processing", 3, "upload-2"), (record!.Title, record.Status, record.Chunks, record.Pending!.UploadId));
        Assert.Equal(Pending("upload-2"), record.Pending);
    }

    [Fact]
    public async Task FinishAsync_FailedUpload_FailedWithErrorKeepingTheSearchableVersion()
    {
        var org = NewOrg();
        await _catalog.MarkReadyAsync(org, "doc", "Old", 3, default);
        await _catalog.MarkProcessingAsync(org, "doc", Pending("upload-1"), default);

        Assert.True(await _catalog.FinishAsync(org, "doc", "upload-1", null, "unreadable_document: damaged", default));

        var record = await _catalog.GetAsync(org, "doc", default);
        Assert.Equal(("Old", "failed", 3, "unreadable_document: damaged"), (record!.Title, record.Status, record.Chunks, record.Error));
        Assert.Null(record.Pending);
    }

    [Fact]
    public async Task FinishAsync_DocumentDeletedMeanwhile_FalseAndNothingWritten()
    {
        var org = NewOrg();
        await _catalog.MarkProcessingAsync(org, "doc", Pending("upload-1"), default);
        var (existed, pending) = await _catalog.DeleteAsync(org, "doc", default);

        Assert.True(existed);
        Assert.Equal("upload-1", pending!.UploadId);
        Assert.False(await _catalog.FinishAsync(org, "doc", "upload-1", ("New", 9), null, default));
        Assert.Null(await _catalog.GetAsync(org, "doc", default));
    }

    [Fact]
    public async Task ListAsync_TwoOrgs_OnlyOwnInIdOrderPaged()
    {
        var org = NewOrg();
        var other = NewOrg();
        foreach (var id in new[] { "b", "a", "c" })
        {
            await _catalog.MarkReadyAsync(org, id, id, 1, default);
        }

        await _catalog.MarkReadyAsync(other, "a0", "theirs", 1, default);

        var (first, more) = await _catalog.ListAsync(org, 2, null, default);
        var (rest, last) = await _catalog.ListAsync(org, 2, first[^1].DocumentId, default);

        Assert.Equal(["a", "b"], first.Select(d => d.DocumentId));
        Assert.True(more);
        Assert.Equal(["c"], rest.Select(d => d.DocumentId));
        Assert.False(last);
    }

    [Fact]
    public async Task DeleteAllAsync_OrgWhoseIdPrefixesAnother_OnlyThatOrgsBlobsAndRowsGone()
    {
        var org = NewOrg("ab");
        var longer = OrgId.Parse(org.Value + "x");
        foreach (var o in new[] { org, longer })
        {
            await _uploads.StageAsync(o, "doc", "upload-1", "bytes"u8.ToArray(), default);
            await _catalog.MarkProcessingAsync(o, "doc", Pending("upload-1"), default);
        }

        await _uploads.DeleteAllAsync(org, default);
        await _catalog.DeleteAllAsync(org, default);

        Assert.Null(await _uploads.ReadAsync(org, "doc", "upload-1", default));
        Assert.Null(await _catalog.GetAsync(org, "doc", default));
        Assert.Equal("bytes"u8.ToArray(), (await _uploads.ReadAsync(longer, "doc", "upload-1", default))!.Value.ToArray());
        Assert.NotNull(await _catalog.GetAsync(longer, "doc", default));
    }

    [Theory]
    [InlineData("../other-org/doc")]
    [InlineData("doc/../../x")]
    public void BlobName_HostileDocumentId_RefusedBeforeIo(string documentId)
    {
        var e = Assert.Throws<AgentFunctions.Errors.ApiException>(() => DocumentUploads.BlobName(OrgId.Parse("org-a"), documentId, "upload-1"));

        Assert.Equal(400, e.Status);
    }
}
