using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

/// <summary>The JSON options of the OpenAI-compatible API: the wire names are explicit; absent optionals are left out.</summary>
internal static class OpenAiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
