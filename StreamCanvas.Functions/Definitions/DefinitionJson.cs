using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamCanvas.Definitions;

/// <summary>How definition files are read: camelCase, "kind" anywhere in a step, no unknown members.</summary>
public static class DefinitionJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        AllowOutOfOrderMetadataProperties = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}
