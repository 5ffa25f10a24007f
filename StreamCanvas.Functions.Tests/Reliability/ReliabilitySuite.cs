namespace StreamCanvas.Tests.Reliability;

/// <summary>
/// The reliability tests each run a host process under load (50 runs, kills, a second Azurite); on a 2-core machine
/// they run one after another, alongside the rest of the suite, so their load does not starve each other's hosts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReliabilitySuite
{
    public const string Name = "Reliability";
}
