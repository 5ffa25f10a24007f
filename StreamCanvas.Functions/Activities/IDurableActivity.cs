namespace StreamCanvas.Activities;

/// <summary>
/// An activity's work as a plain service: both hosts call <see cref="RunAsync"/> (the Functions trigger directly,
/// the standalone worker through Hosting.DurableTasks), so the class has no host-specific base type.
/// </summary>
public interface IDurableActivity<TInput, TOutput>
{
    Task<TOutput> RunAsync(TInput input, CancellationToken cancellationToken);
}
