using StreamCanvas.Definitions;
using StreamCanvas.Hosting;
using StreamCanvas.Hosting.Standalone;

try
{
    if (HostMode.IsFunctionsHost(args, Environment.GetEnvironmentVariable))
    {
        FunctionsHost.Run(args);
    }
    else
    {
        await StandaloneHost.RunAsync(args);
    }
}
catch (WorkflowDefinitionException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

return 0;
