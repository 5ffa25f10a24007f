using StreamCanvas.Definitions;

namespace StreamCanvas.Hosting;

/// <summary>
/// `dotnet run -- alerts [--workflows dir] [--out file] [--check]`: writes the owners' Azure Monitor alert plan
/// (<see cref="OwnerAlertPlan"/>) that infra/main.bicep deploys, from the definition files, without starting a host.
/// Without --out it prints the plan; with --check it writes nothing and exits 1 when the file differs (CI).
/// Exit code 2 when a definition is invalid (as at host start), 64 on a usage error.
/// </summary>
public static class AlertsCommand
{
    public const string Name = "alerts";
    public const int Stale = 1;
    public const int UsageError = 64;
    const string Usage = "Usage: alerts [--workflows <dir>] [--out <file.json>] [--check]";

    public static bool IsInvoked(string[] args) => args is [Name, ..];

    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        string? workflows = null;
        string? file = null;
        bool check = false;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workflows" when i + 1 < args.Length:
                    workflows = args[++i];
                    break;
                case "--out" when i + 1 < args.Length:
                    file = args[++i];
                    break;
                case "--check":
                    check = true;
                    break;
                default:
                    errors.WriteLine($"unknown or incomplete option '{args[i]}'. {Usage}");
                    return UsageError;
            }
        }

        if (check && file is null)
        {
            errors.WriteLine($"--check compares with the --out file. {Usage}");
            return UsageError;
        }

        string directory = Path.GetFullPath(workflows ?? "workflows");
        if (!Directory.Exists(directory))
        {
            errors.WriteLine($"--workflows: no folder '{directory}'");
            return UsageError;
        }

        WorkflowCatalog catalog = DefinitionLoader.LoadDirectory(directory);
        OwnerAlertPlan plan;
        try
        {
            plan = OwnerAlertPlan.From(catalog.All.Select(w => w.Definition));
        }
        catch (InvalidOperationException ex)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }

        foreach (OwnerAlertTeam team in plan.Owners.Where(t => t.Emails.Count == 0 && t.Channels.Count == 0))
        {
            errors.WriteLine($"warning: owner '{team.Team}' has no email contact and no alert channel; its action group notifies no one");
        }

        string json = plan.ToJson();
        if (file is null)
        {
            output.Write(json);
            return 0;
        }

        string path = Path.GetFullPath(file);
        if (check)
        {
            bool current = File.Exists(path) && File.ReadAllText(path).ReplaceLineEndings("\n") == json;
            output.WriteLine(current ? $"{file} is up to date" : $"{file} is stale: run `alerts --workflows {workflows ?? "workflows"} --out {file}`");
            return current ? 0 : Stale;
        }

        File.WriteAllText(path, json);
        output.WriteLine($"wrote {file}: {plan.Owners.Count} owner team(s), {plan.Owners.Sum(t => t.Workflows.Count)} workflow(s)");
        return 0;
    }
}
