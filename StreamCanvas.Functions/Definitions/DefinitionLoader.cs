using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace StreamCanvas.Definitions;

/// <summary>
/// Reads workflows/*.json, checks each against workflow.schema.json and <see cref="DefinitionValidator"/>,
/// and refuses to start on the first invalid file with a message naming the file, the path and the problem.
/// </summary>
public static partial class DefinitionLoader
{
    public const string SchemaFileName = "workflow.schema.json";

    static readonly Lazy<JsonSchema> DefinitionSchema = new(() =>
        JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Definitions", SchemaFileName), NewBuildOptions()));

    public static WorkflowCatalog LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new WorkflowDefinitionException(directory, [new("", "the workflows folder does not exist")]);
        }

        var loaded = new List<LoadedWorkflow>();
        foreach (string file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            LoadedWorkflow workflow = Load(file, File.ReadAllText(file));
            LoadedWorkflow? twin = loaded.FirstOrDefault(w => w.Name == workflow.Name);
            if (twin is not null)
            {
                throw new WorkflowDefinitionException(file, [new("/name", $"workflow '{workflow.Name}' is also defined in {twin.SourceFile}")]);
            }

            loaded.Add(workflow);
        }

        WorkflowReferences.Check(loaded);
        return new WorkflowCatalog(loaded);
    }

    public static LoadedWorkflow Load(string file, string json)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new WorkflowDefinitionException(file, [new("", $"not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {ex.Message}")]);
        }

        IReadOnlyList<DefinitionError> schemaErrors = SchemaErrors(DefinitionSchema.Value, document);
        if (schemaErrors.Count > 0)
        {
            throw new WorkflowDefinitionException(file, schemaErrors);
        }

        WorkflowDefinition definition = document.Deserialize<WorkflowDefinition>(DefinitionJson.Options)
            ?? throw new WorkflowDefinitionException(file, [new("", "empty definition")]);

        var errors = DefinitionValidator.Validate(definition).ToList();
        JsonSchema? inputSchema = null;
        try
        {
            inputSchema = JsonSchema.FromText(definition.InputSchema.ToJsonString(), NewBuildOptions());
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException or RefResolutionException)
        {
            errors.Add(new("/inputSchema", $"not a usable JSON Schema: {ex.Message}"));
        }

        if (inputSchema is not null && definition.Schedule is not null)
        {
            errors.AddRange(ScheduleChecks.InputErrors(definition.Schedule, inputSchema));
        }

        if (errors.Count > 0)
        {
            throw new WorkflowDefinitionException(file, errors);
        }

        return new LoadedWorkflow(definition, ContentHash(definition), inputSchema!, file);
    }

    /// <summary>Validates a JSON value against a schema; each error has the JSON Pointer of the value at fault.</summary>
    public static IReadOnlyList<DefinitionError> SchemaErrors(JsonSchema schema, JsonNode? instance)
    {
        using JsonDocument doc = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        EvaluationResults results = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        // An "if" that does not match is not an error, though the list output reports what it checked.
        return (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 } && !d.EvaluationPath.ToString().Contains("/if", StringComparison.Ordinal))
            .SelectMany(d => d.Errors!.SelectMany(e => Describe(d.InstanceLocation.ToString(), e.Key, e.Value)))
            .Distinct()
            .ToList();
    }

    /// <summary>One error per missing property, so each names its own field; other messages as they are.</summary>
    static IEnumerable<DefinitionError> Describe(string location, string keyword, string message)
    {
        Match missing = MissingProperties().Match(message);
        if (keyword == "required" && missing.Success)
        {
            return missing.Groups[1].Value.Split(',').Select(name => new DefinitionError($"{location}/{name.Trim().Trim('"')}", "is required"));
        }

        if (message.Contains("false schema", StringComparison.Ordinal))
        {
            return [new DefinitionError(location, "is not a known property here")];
        }

        return [new DefinitionError(location, message.Replace("\\u0022", "'", StringComparison.Ordinal))];
    }

    [GeneratedRegex(@"^Required properties \[(.*)\] are not present$")]
    private static partial Regex MissingProperties();

    /// <summary>SHA-256 of the definition as the engine reads it, so formatting changes do not count as a new version.</summary>
    public static string ContentHash(WorkflowDefinition definition)
    {
        byte[] canonical = JsonSerializer.SerializeToUtf8Bytes(definition, DefinitionJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }

    // Each schema gets its own registry: input schemas without $id must not collide in the global one.
    static BuildOptions NewBuildOptions() => new() { SchemaRegistry = new SchemaRegistry() };
}
