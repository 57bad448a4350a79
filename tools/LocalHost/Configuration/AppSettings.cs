using System.Collections;
using System.Text.Json;

namespace LocalHost.Configuration;

/// <summary>
/// The app settings the worker and its triggers see, as Core Tools builds them: the <c>Values</c> of
/// <c>local.settings.json</c> (in the app folder) when present, with the process environment on top.
/// </summary>
internal sealed class AppSettings
{
    private readonly Dictionary<string, string> _values;

    private AppSettings(Dictionary<string, string> values, IReadOnlyDictionary<string, string> fromFile)
    {
        _values = values;
        FromFile = fromFile;
    }

    /// <summary>Every setting: local.settings.json values with the process environment on top.</summary>
    public IReadOnlyDictionary<string, string> All => _values;

    /// <summary>Only the values from local.settings.json (the worker inherits the environment itself).</summary>
    public IReadOnlyDictionary<string, string> FromFile { get; }

    public static IReadOnlyDictionary<string, string> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => e.Value as string ?? string.Empty, StringComparer.Ordinal);

    public static AppSettings Load(string appDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var fromFile = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var path = Path.Combine(appDirectory, "local.settings.json");
        if (File.Exists(path))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.TryGetProperty("Values", out var values) && values.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in values.EnumerateObject())
                {
                    fromFile[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                }
            }
        }

        var merged = new Dictionary<string, string>(fromFile, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in environment)
        {
            merged[key] = value;
        }

        return new AppSettings(merged, fromFile);
    }

    public string? this[string name] => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>Resolves <c>%Setting%</c> references in binding properties, as the host does.</summary>
    public string Resolve(string text)
    {
        var start = text.IndexOf('%', StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }

        var end = text.IndexOf('%', start + 1);
        if (end < 0)
        {
            return text;
        }

        var name = text[(start + 1)..end];
        var value = this[name] ?? throw new InvalidOperationException($"Binding expression '%{name}%' names an app setting that is not set.");
        return Resolve(string.Concat(text.AsSpan(0, start), value, text.AsSpan(end + 1)));
    }

    /// <summary>A storage connection string by the binding's <c>connection</c> name, as the host looks it up.</summary>
    public string StorageConnection(string? connection)
    {
        var name = string.IsNullOrEmpty(connection) ? "AzureWebJobsStorage" : connection;
        return this[name] ?? this["AzureWebJobs" + name]
            ?? throw new InvalidOperationException(
                $"The storage connection '{name}' is not set (an app setting or environment variable holding a connection string; identity-based connections are not emulated by LocalHost).");
    }
}
