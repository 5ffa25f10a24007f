using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Activities;

/// <summary>The model quota limiter on two "hosts" (two limiters, two stores) sharing one Azurite.</summary>
public sealed class QuotaLimitedChatClientTests
{
    static readonly ChatMessage[] Call = [new(ChatRole.User, "write a line")];
    static readonly ChatOptions CallOptions = new() { MaxOutputTokens = 50 };

    /// <summary>A model that counts the calls in flight and answers when the test lets it.</summary>
    sealed class GatedModel : IChatClient
    {
        int inFlight;

        public int InFlight { get { lock (this) { return inFlight; } } }

        public int MostInFlight { get; private set; }
        public int Calls { get; private set; }
        public SemaphoreSlim Answer { get; } = new(0);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
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

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { ModelId = "m", Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 5, TotalTokenCount = 10 } };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    static async Task<QuotaLimitedChatClient> HostAsync(IChatClient model, ModelQuotaOptions quota, string endpoint)
    {
        StreamCanvas.Standalone.Azurite azurite = await SharedAzurite.GetAsync();
        var store = new TableModelQuotaStore(new TableServiceClient(azurite.ConnectionString));
        var options = new ModelOptions { Endpoint = endpoint, DefaultModel = "gpt-test", Quota = quota };
        return new QuotaLimitedChatClient(model, store, options, TimeProvider.System, NullLogger<QuotaLimitedChatClient>.Instance);
    }

    static string NewEndpoint() => $"https://{Guid.NewGuid():N}.example.com/v1";

    [Fact]
    public async Task GetResponseAsync_BurstOnTwoHosts_KeepsCallsInFlightWithinTheLimitAndRunsThemAll()
    {
        var model = new GatedModel();
        var quota = new ModelQuotaOptions { MaxConcurrentCalls = 2, MaxWaitSeconds = 120 };
        string endpoint = NewEndpoint();
        QuotaLimitedChatClient hostA = await HostAsync(model, quota, endpoint);
        QuotaLimitedChatClient hostB = await HostAsync(model, quota, endpoint);

        Task<ChatResponse>[] calls = [.. Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? hostA : hostB).GetResponseAsync(Call, CallOptions, CancellationToken.None))];
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
    public async Task GetResponseAsync_NoRoomWithinMaxWait_FailsRetryableWithARetryAfterAndDoesNotCallTheModel()
    {
        var model = new GatedModel();
        string endpoint = NewEndpoint();
        QuotaLimitedChatClient holder = await HostAsync(model, new ModelQuotaOptions { MaxConcurrentCalls = 1 }, endpoint);
        QuotaLimitedChatClient other = await HostAsync(model, new ModelQuotaOptions { MaxConcurrentCalls = 1, MaxWaitSeconds = 0 }, endpoint);
        Task<ChatResponse> holding = holder.GetResponseAsync(Call, CallOptions, CancellationToken.None);
        while (model.Calls == 0)
        {
            await Task.Delay(50);
        }

        ModelCallException refused = await Assert.ThrowsAsync<ModelCallException>(() => other.GetResponseAsync(Call, CallOptions, CancellationToken.None));

        Assert.Equal((FailureReasons.ModelQuotaWait, true), (refused.Reason, refused.Retryable));
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Equal(1, model.Calls);
        model.Answer.Release();
        await holding;
    }

    /// <summary>A deployment that answers 429 (as the error rules classify it) the first time, then answers.</summary>
    sealed class RefusingOnceModel : IChatClient
    {
        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            ++Calls == 1
                ? throw new ModelCallException(FailureReasons.ModelRateLimited, "429 Too Many Requests", retryable: true, 429, null, TimeSpan.FromSeconds(1))
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = new UsageDetails { TotalTokenCount = 10 } });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task GetResponseAsync_DeploymentAnswers429_WaitsItsRetryAfterAndTriesAgainOnANewCountedSlot()
    {
        var model = new RefusingOnceModel();
        string endpoint = NewEndpoint();
        var quota = new ModelQuotaOptions { RequestsPerMinute = 12, WindowSeconds = 10 }; // 2 calls per sliding 10 s
        QuotaLimitedChatClient limiter = await HostAsync(model, quota, endpoint);
        var store = new TableModelQuotaStore(new TableServiceClient((await SharedAzurite.GetAsync()).ConnectionString));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        ChatResponse reply = await limiter.GetResponseAsync(Call, CallOptions, CancellationToken.None);
        QuotaGrant third = await store.TryAcquireAsync(QuotaLimitedChatClient.Key(endpoint, "gpt-test"), quota.ToLimits(), 1, DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal("ok", reply.Text);
        Assert.Equal(2, model.Calls);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), "the retry waited the deployment's Retry-After");
        Assert.False(third.Granted); // the refused try and the retry both counted against the window
    }

    [Fact]
    public void QuotaRetryPolicy_IsWhatTheClientRetriesWithUnderAQuota()
    {
        var quota = new ModelQuotaOptions { MaxConcurrentCalls = 2 };

        Assert.IsType<QuotaRetryPolicy>(DeploymentChatClient.RetryPolicyFor(new ModelOptions { Quota = quota }));
        Assert.IsNotType<QuotaRetryPolicy>(DeploymentChatClient.RetryPolicyFor(new ModelOptions()));
    }

    [Fact]
    public async Task GetResponseAsync_NoQuotaSet_CallsTheModelWithoutStorage()
    {
        var model = new GatedModel();
        model.Answer.Release();
        var options = new ModelOptions { Endpoint = NewEndpoint() };
        var limiter = new QuotaLimitedChatClient(model, new Moq.Mock<IModelQuotaStore>(Moq.MockBehavior.Strict).Object, options, TimeProvider.System, NullLogger<QuotaLimitedChatClient>.Instance);

        ChatResponse reply = await limiter.GetResponseAsync(Call, CallOptions, CancellationToken.None);

        Assert.Equal("ok", reply.Text);
    }
}
