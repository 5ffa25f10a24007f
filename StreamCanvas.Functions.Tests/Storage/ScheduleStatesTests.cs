using Azure.Data.Tables;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Storage;

/// <summary>Schedule rows on a real table (Azurite): what both hosts read before each start and the operator API shows.</summary>
public sealed class ScheduleStatesTests
{
    static async Task<TableScheduleStates> StatesAsync(string taskHub) =>
        new(new TableServiceClient((await SharedAzurite.GetAsync()).ConnectionString), taskHub);

    static DateTimeOffset At(int hour) => new(2026, 12, 3, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Rows_PauseStartAndHandled_AreKeptSideBySide()
    {
        TableScheduleStates states = await StatesAsync("hub" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Null(await states.GetAsync("digest", CancellationToken.None));

        await states.MarkHandledAsync("digest", At(5), CancellationToken.None);
        await states.RecordStartedAsync("digest", At(6), "digest:s-20261203T060000Z", CancellationToken.None);
        await states.SetPausedAsync("digest", paused: true, CancellationToken.None);

        Assert.Equal(new ScheduleState("digest", true, At(6), "digest:s-20261203T060000Z", At(5)), await states.GetAsync("digest", CancellationToken.None));
        await states.SetPausedAsync("digest", paused: false, CancellationToken.None);
        Assert.False((await states.GetAsync("digest", CancellationToken.None))!.Paused);
    }

    [Fact]
    public async Task RecordStartedAsync_OlderOccurrenceArrivingLate_KeepsTheLatest()
    {
        TableScheduleStates states = await StatesAsync("hub" + Guid.NewGuid().ToString("N")[..8]);

        await states.RecordStartedAsync("digest", At(7), "digest:s-7", CancellationToken.None);
        await states.RecordStartedAsync("digest", At(6), "digest:s-6", CancellationToken.None);

        Assert.Equal((At(7), "digest:s-7"), ((await states.GetAsync("digest", CancellationToken.None))!.LastOccurrence, (await states.GetAsync("digest", CancellationToken.None))!.LastInstanceId));
    }

    [Fact]
    public async Task Rows_TwoTaskHubsOnOneAccount_DoNotShareAPause()
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        TableScheduleStates production = await StatesAsync("prod" + suffix);
        TableScheduleStates staging = await StatesAsync("staging" + suffix);

        await staging.SetPausedAsync("digest", paused: true, CancellationToken.None);

        Assert.Null(await production.GetAsync("digest", CancellationToken.None));
        Assert.True((await staging.GetAsync("digest", CancellationToken.None))!.Paused);
    }
}
