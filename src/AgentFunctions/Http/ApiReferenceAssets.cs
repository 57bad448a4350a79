using System.Collections.Frozen;

namespace AgentFunctions.Http;

/// <summary>
/// The files of the interactive reference page (<c>GET /api/docs</c>): Swagger UI from the npm package
/// <c>swagger-ui-dist</c> (pinned in package.json, embedded at build time) and this app's own page and
/// initializer, all served by the app itself, so the page needs no CDN and works offline.
/// </summary>
internal static class ApiReferenceAssets
{
    public const string ResourcePrefix = "ApiReference/";

    /// <summary>The page itself (<c>GET /api/docs</c>).</summary>
    public const string Page = "index.html";

    /// <summary>
    /// What the page may load: only this app's own files and the document (no other origin), inline styles
    /// (Swagger UI sets them) and data: images (its icons).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Page] = "text/html; charset=utf-8",
        ["swagger-ui.css"] = "text/css; charset=utf-8",
        ["swagger-ui-bundle.js"] = "text/javascript; charset=utf-8",
        ["swagger-initializer.js"] = "text/javascript; charset=utf-8",
        ["favicon-32x32.png"] = "image/png",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, byte[]>> Contents = new(Load);

    /// <summary>The file named <paramref name="name"/> (exactly; no paths) and its content type, if it is one of the page's files. The bytes are shared: never change them.</summary>
    public static bool TryGet(string name, out byte[] content, out string contentType)
    {
        content = [];
        if (!ContentTypes.TryGetValue(name, out contentType!))
        {
            return false;
        }

        content = Contents.Value[name];
        return true;
    }

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(ApiReferenceAssets).Assembly;
        return ContentTypes.Keys.ToFrozenDictionary(name => name, name =>
        {
            using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name)
                ?? throw new InvalidOperationException($"The reference page file '{name}' is not embedded in {assembly.GetName().Name}.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }, StringComparer.Ordinal);
    }
}
