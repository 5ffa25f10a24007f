using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Functions;

/// <summary>
/// Under the Functions host only <see cref="StreamCanvasServices.AddStreamCanvas"/> registers services (the
/// standalone host adds its own on top; every host provides IHostEnvironment), so every class with a [Function] must be constructible from it alone.
/// </summary>
public sealed class FunctionsHostServicesTests
{
    public static TheoryData<Type> FunctionClasses()
    {
        var data = new TheoryData<Type>();
        foreach (Type type in typeof(StreamCanvasServices).Assembly.GetTypes()
                     .Where(t => !t.IsAbstract && t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null)))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FunctionClasses))]
    public void FunctionClass_WithOnlyTheSharedRegistrations_CanBeCreated(Type functions)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StreamCanvasServices.WorkflowsPathSetting] = RepoPaths.Workflows,
            ["Approvals:SigningKey"] = "k",
        }).Build();
        ServiceProvider services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(configuration)
            .AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Production" })
            .AddStreamCanvas(configuration)
            .BuildServiceProvider();

        object instance = ActivatorUtilities.CreateInstance(services, functions);

        Assert.NotNull(instance);
    }
}
