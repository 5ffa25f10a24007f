using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Activities;

/// <summary>The model quota limiter on two "hosts" (two limiters, two stores) sharing one Azurite.</summary>
public sealed class QuotaLimitedChatModelTests
{
    static readonly ChatCall Call = new(null, "write a line", null, null, 50, false, null);

    /// <summary>A model that counts the calls in flight and answers when the test lets it.</summary>
    sealed class GatedModel : IChatModel
    {
        int inFlight;

        public int InFlight { get { lock (this) { return inFlight; } } }

        public int MostInFlight { get; private set; }
        public int Calls { get; private set; }
        public SemaphoreSlim Answer { get; } = new(0);

        public async Task<ChatReply> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
        {
            lock (this)
            {
                Calls++;
                MostInFlight = Math.Max(MostInFlight, ++inFlight);
            }

            await Answer.WaitAsync(cancellationToken);
            lock (this)
            {
                inFlight--;
            }

            return new ChatReply("ok", "m", 5, 5, "stop");
        }
    }

    static async Task<QuotaLimitedChatModel> HostAsync(IChatModel model, ModelQuotaOptions quota, string endpoint)
    {
        StreamCanvas.Standalone.Azurite azurite = await SharedAzurite.GetAsync();
        var store = new TableModelQuotaStore(new TableServiceClient(azurite.ConnectionString));
        var options = new ModelOptions { Endpoint = endpoint, DefaultModel = "gpt-test", Quota = quota };
        return new QuotaLimitedChatModel(model, store, options, TimeProvider.System, NullLogger<QuotaLimitedChatModel>.Instance);
    }

    static string NewEndpoint() => $"https://{Guid.NewGuid():N}.example.com/v1";

    [Fact]
    public async Task CompleteAsync_BurstOnTwoHosts_KeepsCallsInFlightWithinTheLimitAndRunsThemAll()
    {
        var model = new GatedModel();
        var quota = new ModelQuotaOptions { MaxConcurrentCalls = 2, MaxWaitSeconds = 120 };
        string endpoint = NewEndpoint();
        QuotaLimitedChatModel hostA = await HostAsync(model, quota, endpoint);
        QuotaLimitedChatModel hostB = await HostAsync(model, quota, endpoint);

        Task<ChatReply>[] calls = [.. Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? hostA : hostB).CompleteAsync(Call, CancellationToken.None))];
        int released = 0;
        while (calls.Any(c => !c.IsCompleted))
        {
            // Answer one call once the limiter has filled its slots (or let the last ones through).
            int remaining = calls.Count(c => !c.IsCompleted);
            if (released < model.Calls && (model.InFlight >= 2 || model.InFlight == remaining))
            {
                model.Answer.Release();
                released++;
            }

            await Task.WhenAny(Task.WhenAll(calls), Task.Delay(100));
        }

        Assert.Equal(6, model.Calls);
        Assert.Equal(2, model.MostInFlight);
    }

    [Fact]
    public async Task CompleteAsync_NoRoomWithinMaxWait_FailsRetryableWithARetryAfterAndDoesNotCallTheModel()
    {
        var model = new GatedModel();
        string endpoint = NewEndpoint();
        QuotaLimitedChatModel holder = await HostAsync(model, new ModelQuotaOptions { MaxConcurrentCalls = 1 }, endpoint);
        QuotaLimitedChatModel other = await HostAsync(model, new ModelQuotaOptions { MaxConcurrentCalls = 1, MaxWaitSeconds = 0 }, endpoint);
        Task<ChatReply> holding = holder.CompleteAsync(Call, CancellationToken.None);
        while (model.Calls == 0)
        {
            await Task.Delay(50);
        }

        ModelCallException refused = await Assert.ThrowsAsync<ModelCallException>(() => other.CompleteAsync(Call, CancellationToken.None));

        Assert.Equal((FailureReasons.ModelQuotaWait, true), (refused.Reason, refused.Retryable));
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Equal(1, model.Calls);
        model.Answer.Release();
        await holding;
    }

    [Fact]
    public async Task CompleteAsync_NoQuotaSet_CallsTheModelWithoutStorage()
    {
        var model = new GatedModel();
        model.Answer.Release();
        var options = new ModelOptions { Endpoint = NewEndpoint() };
        var limiter = new QuotaLimitedChatModel(model, new Moq.Mock<IModelQuotaStore>(Moq.MockBehavior.Strict).Object, options, TimeProvider.System, NullLogger<QuotaLimitedChatModel>.Instance);

        ChatReply reply = await limiter.CompleteAsync(Call, CancellationToken.None);

        Assert.Equal("ok", reply.Text);
    }
}
