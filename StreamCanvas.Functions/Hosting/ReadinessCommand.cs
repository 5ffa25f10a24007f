using System.Text.Json;
using Microsoft.Extensions.Configuration;
using StreamCanvas.Activities.Mcp;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Activities.Tools;
using StreamCanvas.Api.Readiness;
using StreamCanvas.Definitions;
using StreamCanvas.Definitions.Readiness;
using StreamCanvas.Storage;

namespace StreamCanvas.Hosting;

/// <summary>
/// `dotnet run -- readiness [--workflows dir] [--settings file.json] [--json]`: the readiness audit over
/// definition files and the app's configuration, without starting a host or probing connections, for CI.
/// Exit code 0 when nothing fails (warnings allowed), 1 when a trait fails, 2 when a definition is invalid
/// (as at host start), 64 on a usage error.
/// </summary>
public static class ReadinessCommand
{
    public const string Name = "readiness";
    public const int Failed = 1;
    static readonly JsonSerializerOptions IndentedWeb = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    public const int UsageError = 64;

    public static bool IsInvoked(string[] args) => args is [Name, ..];

    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        string? workflows = null;
        string? settings = null;
        bool json = false;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workflows" when i + 1 < args.Length:
                    workflows = args[++i];
                    break;
                case "--settings" when i + 1 < args.Length:
                    settings = args[++i];
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    errors.WriteLine($"unknown or incomplete option '{args[i]}'. Usage: {Name} [--workflows <dir>] [--settings <file.json>] [--json]");
                    return UsageError;
            }
        }

        if (settings is not null && !File.Exists(settings))
        {
            errors.WriteLine($"--settings: no file '{settings}'");
            return UsageError;
        }

        IConfiguration configuration = Configuration(settings);
        WorkflowCatalog catalog = DefinitionLoader.LoadDirectory(workflows is null ? StreamCanvasServices.WorkflowsDirectory(configuration) : Path.GetFullPath(workflows));
        ReadinessEnvironment environment = ReadinessEnvironments.FromOptions(
            configuration.GetSection(ToolOptions.Section).Get<ToolOptions>() ?? new ToolOptions(),
            configuration.GetSection(McpOptions.Section).Get<McpOptions>() ?? new McpOptions(),
            configuration.GetSection(ApprovalOptions.Section).Get<ApprovalOptions>() ?? new ApprovalOptions(),
            configuration.GetSection(StartQueueOptions.Section).Get<StartQueueOptions>() ?? new StartQueueOptions());

        List<WorkflowReadiness> audits = catalog.All.OrderBy(w => w.Name, StringComparer.Ordinal).Select(w => ReadinessAudit.Audit(w, environment)).ToList();
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(audits, IndentedWeb));
        }
        else
        {
            Print(audits, output);
        }

        return audits.Any(a => a.Outcome == ReadinessOutcome.Fail) ? Failed : 0;
    }

    static void Print(IReadOnlyList<WorkflowReadiness> audits, TextWriter output)
    {
        output.WriteLine("Readiness (offline: connection health paths are not probed)");
        foreach (WorkflowReadiness audit in audits)
        {
            output.WriteLine($"{audit.Workflow} {audit.Version}: {Word(audit.Outcome)}");
            foreach (TraitReadiness trait in audit.Traits)
            {
                output.WriteLine($"  {Word(trait.Outcome),-4}  {trait.Trait,-18} {trait.Reason}  [{trait.Pointer}]");
            }
        }
    }

    static string Word(ReadinessOutcome outcome) => outcome.ToString().ToLowerInvariant();

    /// <summary>The settings the host would read (appsettings*.json beside the app, environment variables), then the file given.</summary>
    static IConfiguration Configuration(string? settingsFile)
    {
        string environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json"), optional: true)
            .AddEnvironmentVariables();
        if (settingsFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(settingsFile), optional: false);
        }

        return builder.Build();
    }
}
