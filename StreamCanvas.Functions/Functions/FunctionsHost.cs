using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamCanvas.Definitions;
using StreamCanvas.Hosting;

namespace StreamCanvas.Functions;

/// <summary>Under the Azure Functions host: the isolated worker with ASP.NET Core integration.</summary>
public static class FunctionsHost
{
    public static void Run(string[] args)
    {
        FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
        ConfigurationGuard.Check(builder.Configuration, builder.Environment, operatorKeySetting: null);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<StreamCanvas.Functions.ProblemDetailsMiddleware>();
        builder.UseMiddleware<LocalOnlyMiddleware>();
        builder.Services.AddStreamCanvas(builder.Configuration);
        builder.Services.AddStreamCanvasTelemetry(builder.Configuration, functionsHost: true);
        IHost host = builder.Build();

        // Load definitions now: an invalid one stops startup with its file, path and problem.
        _ = host.Services.GetRequiredService<WorkflowCatalog>();
        host.Run();
    }
}
