using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>Documents uploaded as files (PDF, DOCX, Markdown) through the local host, searched with their page or section.</summary>
public sealed class DocumentUploadTests(KnowledgeAgentHost host) : IClassFixture<KnowledgeAgentHost>
{
    [Fact]
    public async Task PutDocument_PdfAsMultipart_SearchFindsItsTextWithPageAndTitle()
    {
        var org = await RegisterOrgAsync();
        var pdf = TestDocuments.Pdf("Travel policy", "Flights under six hours are booked in economy class.", "Hotel receipts are submitted within thirty days.");
        using var form = new MultipartFormDataContent
        {
            { File(pdf, "application/pdf"), "file", "travel.pdf" },
            { new StringContent("""{"owner":"finance"}"""), "metadata" },
        };

        var (status, body) = await SendAsync(HttpMethod.Put, "api/documents/travel", org, form);

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(2, body.GetProperty("chunks").GetInt32());
        var hit = await SearchFirstAsync(org, "hotel receipts thirty days");
        Assert.Equal("travel", hit.GetProperty("documentId").GetString());
        Assert.Equal("Travel policy", hit.GetProperty("title").GetString());
        Assert.Equal(2, hit.GetProperty("page").GetInt32());
        Assert.Contains("Hotel receipts", hit.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutDocument_DocxAsRawBody_SearchFindsItsTextWithHeadingPath()
    {
        var org = await RegisterOrgAsync();
        var docx = TestDocuments.Docx(null, (1, "Onboarding"), (0, "Welcome to the team."), (2, "Laptops"), (0, "Laptops are collected from the service desk on day one."));

        var (status, _) = await SendAsync(HttpMethod.Put, "api/documents/onboarding?title=Onboarding%20guide", org, File(docx, TestDocuments.DocxMediaType));

        Assert.Equal(HttpStatusCode.OK, status);
        var hit = await SearchFirstAsync(org, "laptops service desk");
        Assert.Equal("Onboarding guide", hit.GetProperty("title").GetString());
        Assert.Equal("Onboarding › Laptops", hit.GetProperty("section").GetString());
        Assert.False(hit.TryGetProperty("page", out _));
    }

    [Fact]
    public async Task PutDocument_UnsupportedType_415NamingSupportedTypesNothingStored()
    {
        var org = await RegisterOrgAsync();

        var (status, body) = await SendAsync(HttpMethod.Put, "api/documents/scan", org, File([0x89, 0x50, 0x4E, 0x47], "image/png"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("unsupported_media_type", body.GetProperty("code").GetString());
        Assert.Contains("application/pdf", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("text/markdown", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await SearchAsync(org, "scan")).EnumerateArray());
    }

    [Fact]
    public async Task PutDocument_EncryptedPdf_422NamingEncryptionEarlierVersionKept()
    {
        var org = await RegisterOrgAsync();
        var (first, _) = await SendAsync(HttpMethod.Put, "api/documents/contract", org, File(TestDocuments.Pdf(null, "The notice period is three months."), "application/pdf"));
        Assert.Equal(HttpStatusCode.OK, first);

        var (status, body) = await SendAsync(HttpMethod.Put, "api/documents/contract", org, File(TestDocuments.EncryptedPdf(), "application/pdf"));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal("unreadable_document", body.GetProperty("code").GetString());
        Assert.Contains("encrypted", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("three months", (await SearchFirstAsync(org, "notice period")).GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutDocument_CorruptDocxInForm_422()
    {
        var org = await RegisterOrgAsync();
        using var form = new MultipartFormDataContent { { File(Encoding.ASCII.GetBytes("PK not a zip at all"), "application/octet-stream"), "file", "broken.docx" } };

        var (status, body) = await SendAsync(HttpMethod.Put, "api/documents/broken", org, form);

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Contains(".docx", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutDocument_FileOverTheCap_413NamingTheLimit()
    {
        var org = await RegisterOrgAsync();
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Ten bytes. ", (KnowledgeAgentHost.MaxUploadBytes / 11) + 10)));
        using var form = new MultipartFormDataContent { { File(text, "text/plain"), "file", "big.txt" } };

        var (status, body) = await SendAsync(HttpMethod.Put, "api/documents/big", org, form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("payload_too_large", body.GetProperty("code").GetString());
        Assert.Contains(KnowledgeAgentHost.MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutDocument_MarkdownUploadedByOtherOrg_NotFoundBySearchOfThisOrg()
    {
        var owner = await RegisterOrgAsync();
        var other = await RegisterOrgAsync();
        var markdown = Encoding.UTF8.GetBytes("# Secrets\n\nThe vault combination is 4711.\n");
        var (status, _) = await SendAsync(HttpMethod.Put, "api/documents/vault", owner, File(markdown, "text/markdown"));
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Empty((await SearchAsync(other, "vault combination")).EnumerateArray());
        var hit = await SearchFirstAsync(owner, "vault combination");
        Assert.Equal("Secrets", hit.GetProperty("section").GetString());
        Assert.Equal("Secrets", hit.GetProperty("title").GetString());
    }

    [Fact]
    public async Task PutDocument_FileAboveAsyncThreshold_202ThenReadyAndSearchableThroughTheQueue()
    {
        var org = await RegisterOrgAsync();
        var markdown = Encoding.UTF8.GetBytes("# Manual\n\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"Paragraph {i} describes part {i}.\n\n")) + "## Warranty\n\nThe warranty lasts five years.\n");
        Assert.True(markdown.Length > KnowledgeAgentHost.AsyncThresholdBytes);

        using var request = new HttpRequestMessage(HttpMethod.Put, "api/documents/manual") { Content = File(markdown, "text/markdown") };
        request.Headers.Add("X-Org-Id", org);
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("processing", accepted.GetProperty("status").GetString());
        Assert.Equal("/api/documents/manual", response.Headers.Location?.OriginalString);
        var done = await WaitFinishedAsync(org, "manual");
        Assert.Equal("ready", done.GetProperty("status").GetString());
        Assert.Equal("Manual", done.GetProperty("title").GetString());
        Assert.True(done.GetProperty("chunks").GetInt32() > 10);
        var hit = await SearchFirstAsync(org, "warranty five years");
        Assert.Equal("Manual › Warranty", hit.GetProperty("section").GetString());
    }

    [Fact]
    public async Task PutDocument_LargeCorruptFileReplacingReadyVersion_FailedWithErrorAndOldVersionStillSearchable()
    {
        var org = await RegisterOrgAsync();
        var (first, _) = await SendAsync(HttpMethod.Put, "api/documents/specs", org, JsonContent.Create(new { title = "Specs", content = "The pump delivers forty litres a minute." }));
        Assert.Equal(HttpStatusCode.OK, first);
        var corrupt = new byte[KnowledgeAgentHost.AsyncThresholdBytes + 1000];
        new Random(7).NextBytes(corrupt);
        "%PDF-1.7\n"u8.CopyTo(corrupt);

        var (status, _) = await SendAsync(HttpMethod.Put, "api/documents/specs", org, File(corrupt, "application/pdf"));

        Assert.Equal(HttpStatusCode.Accepted, status);
        var done = await WaitFinishedAsync(org, "specs");
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.StartsWith("unreadable_document: ", done.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(("Specs", 1), (done.GetProperty("title").GetString(), done.GetProperty("chunks").GetInt32()));
        Assert.Contains("forty litres", (await SearchFirstAsync(org, "pump litres")).GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDocuments_ThreeDocumentsPagesOfTwo_AllInIdOrderWithStatusAndChunks()
    {
        var org = await RegisterOrgAsync();
        foreach (var id in new[] { "c-doc", "a-doc", "b-doc" })
        {
            var (status, _) = await SendAsync(HttpMethod.Put, $"api/documents/{id}", org, JsonContent.Create(new { title = id, content = $"Content of {id}." }));
            Assert.Equal(HttpStatusCode.OK, status);
        }

        var (_, first) = await SendAsync(HttpMethod.Get, "api/documents?limit=2", org, null);
        var (_, second) = await SendAsync(HttpMethod.Get, $"api/documents?limit=2&cursor={first.GetProperty("cursor").GetString()}", org, null);

        Assert.Equal(["a-doc", "b-doc"], first.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("documentId").GetString()));
        Assert.Equal(["c-doc"], second.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("documentId").GetString()));
        Assert.False(second.TryGetProperty("cursor", out _));
        Assert.All(first.GetProperty("documents").EnumerateArray(), d => Assert.Equal(("ready", 1), (d.GetProperty("status").GetString(), d.GetProperty("chunks").GetInt32())));
    }

    [Fact]
    public async Task GetListDeleteDocument_OtherOrgsDocument_404AndNeverListed()
    {
        var owner = await RegisterOrgAsync();
        var other = await RegisterOrgAsync();
        var (put, _) = await SendAsync(HttpMethod.Put, "api/documents/private", owner, JsonContent.Create(new { title = "Private", content = "Owner only." }));
        Assert.Equal(HttpStatusCode.OK, put);

        var (get, getBody) = await SendAsync(HttpMethod.Get, "api/documents/private", other, null);
        var (missing, missingBody) = await SendAsync(HttpMethod.Get, "api/documents/never-existed", other, null);
        var (_, list) = await SendAsync(HttpMethod.Get, "api/documents", other, null);
        var (delete, _) = await SendAsync(HttpMethod.Delete, "api/documents/private", other, null);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get, missing));
        Assert.Equal(missingBody.GetProperty("detail").GetString(), getBody.GetProperty("detail").GetString());
        Assert.Empty(list.GetProperty("documents").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, delete);
        var (ownGet, own) = await SendAsync(HttpMethod.Get, "api/documents/private", owner, null);
        Assert.Equal(HttpStatusCode.OK, ownGet);
        Assert.Equal("ready", own.GetProperty("status").GetString());
    }

    private async Task<JsonElement> WaitFinishedAsync(string org, string documentId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await SendAsync(HttpMethod.Get, $"api/documents/{documentId}", org, null);
            Assert.Equal(HttpStatusCode.OK, status);
            last = body;
            if (body.GetProperty("status").GetString() != "processing")
            {
                return body;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Document {documentId} of {org} still processing after 60 s: {last}\n{host.Output}");
    }

    private static ByteArrayContent File(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private async Task<string> RegisterOrgAsync()
    {
        var org = $"up-{Guid.NewGuid():N}"[..20];
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{org}") { Content = JsonContent.Create(new { displayName = org }) };
        request.Headers.Add("X-Admin-Key", host.AdminKey);
        using var response = await host.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return org;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string org, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Org-Id", org);
        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    private async Task<JsonElement> SearchAsync(string org, string query)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "api/search", org, JsonContent.Create(new { query }));
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("results");
    }

    private async Task<JsonElement> SearchFirstAsync(string org, string query) => (await SearchAsync(org, query)).EnumerateArray().First();
}
