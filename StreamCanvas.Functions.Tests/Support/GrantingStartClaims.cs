using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Support;

/// <summary>For unit tests of the start logic: every claim is granted (the table-backed claims have their own tests).</summary>
public sealed class GrantingStartClaims : IStartClaims
{
    public Task<bool> TryClaimAsync(string instanceId, TimeSpan staleAfter, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task ForgetAsync(string instanceId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> DeleteClaimedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken) => Task.FromResult(0);
}
