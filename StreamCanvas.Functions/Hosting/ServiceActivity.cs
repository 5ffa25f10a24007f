using Microsoft.DurableTask;

namespace StreamCanvas.Hosting;

/// <summary>
/// Serves an activity class from DI to the standalone Durable Task worker. The activity classes are plain
/// services so the Functions triggers and the worker share them (and the analyzers see each name once).
/// </summary>
public sealed class ServiceActivity<TInput, TOutput>(Func<TInput, CancellationToken, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
{
    public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(input, CancellationToken.None);
}
