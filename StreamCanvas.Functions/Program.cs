using StreamCanvas.Definitions;
using StreamCanvas.Functions;
using StreamCanvas.Hosting;
using StreamCanvas.Standalone;

try
{
    if (ReadinessCommand.IsInvoked(args))
    {
        return ReadinessCommand.Run(args, Console.Out, Console.Error);
    }

    if (AlertsCommand.IsInvoked(args))
    {
        return AlertsCommand.Run(args, Console.Out, Console.Error);
    }

    if (HostMode.IsFunctionsHost(args, Environment.GetEnvironmentVariable))
    {
        FunctionsHost.Run(args);
    }
    else
    {
        await StandaloneHost.RunAsync(args);
    }
}
catch (Exception ex) when (ex is WorkflowDefinitionException or UnsafeConfigurationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // Configuration the engine cannot run with: say what is wrong and stop, without a stack trace.
    Console.Error.WriteLine(ex.Message);
    return 2;
}

return 0;
