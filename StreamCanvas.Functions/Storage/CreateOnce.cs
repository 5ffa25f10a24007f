namespace StreamCanvas.Storage;

/// <summary>
/// Creates a storage resource (table, container) the first time it is needed, once per process: concurrent first
/// callers wait for one creation, and a failed creation is tried again by the next caller.
/// </summary>
public sealed class CreateOnce(Func<CancellationToken, Task> create)
{
    readonly SemaphoreSlim gate = new(1, 1);
    volatile bool created;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (created)
        {
            return;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!created)
            {
                await create(cancellationToken);
                created = true;
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
