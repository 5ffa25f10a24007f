using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Tests.Activities;

/// <summary>The llm step through the real OpenAI client against a local OpenAI-compatible stub server.</summary>
public sealed class LlmStepActivityTests : IAsyncLifetime
{
    OpenAIStub stub = null!;
    ITokenLedger ledger = Mock.Of<ITokenLedger>();

    public async Task InitializeAsync() => stub = await OpenAIStub.StartAsync();

    public async Task DisposeAsync() => await stub.DisposeAsync();

    LlmStepActivity Activity(string provider = ModelProviders.OpenAICompatible, int maxRetries = 2, ModelPricing? pricing = null)
    {
        var options = Options.Create(new ModelOptions
        {
            Provider = provider,
            Endpoint = provider == ModelProviders.AzureOpenAI ? stub.AzureEndpoint : stub.BaseUrl,
            ApiKey = "test-key",
            DefaultModel = "gpt-test",
            MaxRetries = maxRetries,
            TimeoutSeconds = 10,
        });
        return new LlmStepActivity(ModelPipeline.Build(new DeploymentChatClient(options.Value), options.Value), Budget(pricing: pricing), NullLogger<LlmStepActivity>.Instance);
    }

    static ModelPricing Pricing() => new(Microsoft.Extensions.Options.Options.Create(new ModelOptions()));

    DailyBudget Budget(TimeProvider? clock = null, ModelPricing? pricing = null) =>
        new(ledger, pricing ?? Pricing(), clock ?? TimeProvider.System, NullLogger<DailyBudget>.Instance);

    static TableTokenLedger Ledger(StreamCanvas.Standalone.Azurite azurite, TimeProvider clock) =>
        new(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString), clock, TimeSpan.FromMinutes(15));

    static LlmStepRequest Request(string output = "text") =>
        new(new StepIdentity("run-1", "wf", "draft", 1), "Write a haiku", "Be brief", null, 0.2, 50, output, null);

    [Fact]
    public async Task RunAsync_Completion_ReturnsTextModelAndTokenUsage()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("An old silent pond", promptTokens: 21, completionTokens: 9, model: "gpt-test-2024"));

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal("An old silent pond", outcome.Output!["text"]!.GetValue<string>());
        Assert.Equal("gpt-test-2024", outcome.Model);
        Assert.Equal(new TokenUsage(21, 9), outcome.Tokens);
        Assert.True(outcome.DurationMilliseconds > 0);
        (string path, var body) = Assert.Single(stub.Requests);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal("gpt-test", body["model"]!.GetValue<string>());
        Assert.Equal(50, body["max_completion_tokens"]?.GetValue<int>() ?? body["max_tokens"]!.GetValue<int>());
        Assert.Equal("system", body["messages"]![0]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_RateLimitedOnce_RetriesAndSucceeds()
    {
        stub.Enqueue(
            OpenAIStub.Reply.Error(429, "slow down", new Dictionary<string, string> { ["retry-after-ms"] = "50" }),
            OpenAIStub.Reply.Completion("done"));

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal("done", outcome.Output!["text"]!.GetValue<string>());
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task RunAsync_ServerError_SurfacesModelErrorWithStepId()
    {
        stub.Enqueue(OpenAIStub.Reply.Error(500, "the model fell over"));

        StepOutcome outcome = await Activity(maxRetries: 0).RunAsync(Request(), CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(FailureReasons.ModelError, outcome.Error!.Reason);
        Assert.True(outcome.Error.Retryable);
        Assert.Contains("step 'draft'", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains("500", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RateLimitedBeyondRetries_ReportsModelRateLimited()
    {
        stub.Enqueue(OpenAIStub.Reply.Error(429, "quota", new Dictionary<string, string> { ["retry-after-ms"] = "10" }));

        StepOutcome outcome = await Activity(maxRetries: 1).RunAsync(Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ModelRateLimited, outcome.Error!.Reason);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task RunAsync_BadRequest_IsNotRetryable()
    {
        stub.Enqueue(OpenAIStub.Reply.Error(400, "content filtered"));

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.False(outcome.Error!.Retryable);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task RunAsync_JsonOutputInFences_ParsesTheObject()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("```json\n{ \"priority\": \"urgent\" }\n```"));

        StepOutcome outcome = await Activity().RunAsync(Request(output: "json"), CancellationToken.None);

        Assert.Equal("urgent", outcome.Output!["priority"]!.GetValue<string>());
        Assert.Equal("json_object", stub.Requests.Single().Body["response_format"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_JsonOutputThatIsNotJson_ReportsOutputInvalid()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("Sure! Here you go."));

        StepOutcome outcome = await Activity().RunAsync(Request(output: "json"), CancellationToken.None);

        Assert.Equal(FailureReasons.OutputInvalid, outcome.Error!.Reason);
        Assert.NotNull(outcome.Tokens);
    }

    [Fact]
    public async Task RunAsync_AzureOpenAIProvider_CallsTheDeploymentRouteWithTheKey()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("from azure"));

        StepOutcome outcome = await Activity(ModelProviders.AzureOpenAI).RunAsync(Request(), CancellationToken.None);

        Assert.Equal("from azure", outcome.Output!["text"]!.GetValue<string>());
        Assert.Equal("/openai/deployments/gpt-test/chat/completions", stub.Requests.Single().Path);
    }

    [Fact]
    public async Task OfflineModel_SameCall_GivesTheSameMarkedAnswer()
    {
        var offline = new LlmStepActivity(ModelPipeline.Build(new OfflineChatClient(), new ModelOptions()), Budget(), NullLogger<LlmStepActivity>.Instance);
        var schema = System.Text.Json.Nodes.JsonNode.Parse("""{ "type": "object", "properties": { "score": { "type": "integer", "minimum": 1, "maximum": 5 }, "label": { "enum": ["a", "b"] }, "note": { "type": "string" } } }""")!.AsObject();
        LlmStepRequest request = Request(output: "json") with { OutputSchema = schema };

        StepOutcome first = await offline.RunAsync(request, CancellationToken.None);
        StepOutcome second = await offline.RunAsync(request, CancellationToken.None);

        Assert.Equal(first.Output!.ToJsonString(), second.Output!.ToJsonString());
        Assert.Equal(OfflineChatClient.ModelName, first.Model);
        Assert.Equal(5, first.Output!["score"]!.GetValue<int>());
        Assert.Contains(first.Output!["label"]!.GetValue<string>(), new[] { "a", "b" });
        Assert.StartsWith(OfflineChatClient.Marker, first.Output!["note"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServiceUnavailableWithResetHeader_IsRateLimitedWithTheWait()
    {
        stub.Enqueue(OpenAIStub.Reply.Error(503, "busy", new Dictionary<string, string> { ["x-ratelimit-reset-requests"] = "1m30s" }));

        StepOutcome outcome = await Activity(maxRetries: 0).RunAsync(Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ModelRateLimited, outcome.Error!.Reason);
        Assert.Equal(90, outcome.Error.RetryAfterSeconds);
    }

    [Fact]
    public async Task RunAsync_JsonNotMatchingOutputSchema_IsOutputInvalidWithFeedback()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("{ \"priority\": \"whenever\" }"));
        var schema = System.Text.Json.Nodes.JsonNode.Parse("""{ "type": "object", "required": ["priority", "summary"], "properties": { "priority": { "enum": ["low", "high"] } } }""")!.AsObject();

        StepOutcome outcome = await Activity().RunAsync(Request(output: "json") with { OutputSchema = schema }, CancellationToken.None);

        Assert.Equal(FailureReasons.OutputInvalid, outcome.Error!.Reason);
        Assert.True(outcome.Error.Retryable);
        Assert.Contains("/summary is required", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains("/priority", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Feedback_IsGivenToTheModel()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("fixed"));

        await Activity().RunAsync(Request() with { Feedback = "too long" }, CancellationToken.None);

        string prompt = stub.Requests.Single().Body["messages"]![1]!["content"]!.ToString();
        Assert.Contains("Your previous answer was rejected: too long", prompt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"pass\": false, \"feedback\": \"cite a source\" }", "cite a source")]
    [InlineData("{ \"pass\": true }", null)]
    [InlineData("I think it is fine", "the grader did not answer { pass, feedback }")]
    public async Task RunAsync_GraderRubric_SecondCallDecides(string verdict, string? expectedProblem)
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("{ \"claim\": \"x\" }", 10, 5), OpenAIStub.Reply.Completion(verdict, 20, 3));

        StepOutcome outcome = await Activity().RunAsync(
            Request(output: "json") with { Rubric = new StreamCanvas.Definitions.Rubric { Prompt = "Is every claim sourced?" } }, CancellationToken.None);

        Assert.Equal(expectedProblem, outcome.Error?.Message);
        Assert.Equal(new TokenUsage(30, 8), outcome.Tokens);
        Assert.Contains("Is every claim sourced?", stub.Requests.Last().Body["messages"]![1]!["content"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RubricRuleFails_IsOutputInvalidWithTheRuleFeedback()
    {
        stub.Enqueue(OpenAIStub.Reply.Completion("{ \"score\": 2 }"));
        var rule = new StreamCanvas.Definitions.Condition { Path = "output.score", AtLeast = 4 };

        StepOutcome outcome = await Activity().RunAsync(
            Request(output: "json") with { Rubric = new StreamCanvas.Definitions.Rubric { Rule = rule, Feedback = "score must be at least 4" } }, CancellationToken.None);

        Assert.Equal(FailureReasons.OutputInvalid, outcome.Error!.Reason);
        Assert.Equal("score must be at least 4", outcome.Error.Message);
    }

    [Fact]
    public async Task RunAsync_DailyBudget_RefusesTheCallThatWouldExceedIt()
    {
        var azurite = await SharedAzurite.GetAsync();
        ledger = Ledger(azurite, TimeProvider.System);
        string workflow = "budget-" + Guid.NewGuid().ToString("N")[..8];
        stub.Enqueue(OpenAIStub.Reply.Completion("one", promptTokens: 40, completionTokens: 10));
        LlmStepRequest request = Request() with { Step = new StepIdentity("run-1", workflow, "draft", 1), DailyBudget = new DailyBudgetLimits(100, null) };

        StepOutcome first = await Activity().RunAsync(request, CancellationToken.None);
        long afterFirst = (await ledger.UsedAsync(workflow, DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None)).Tokens;
        StepOutcome second = await Activity().RunAsync(request, CancellationToken.None);

        Assert.True(first.Succeeded);
        Assert.Equal(50, afterFirst);
        Assert.Equal(FailureReasons.BudgetExceeded, second.Error!.Reason);
        Assert.False(second.Error.Retryable);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task RunAsync_DailyCostBudget_PricesTheHoldAndTheAnswerAndRefusesTheCallThatWouldExceedIt()
    {
        var azurite = await SharedAzurite.GetAsync();
        ledger = Ledger(azurite, TimeProvider.System);
        string workflow = "cost-" + Guid.NewGuid().ToString("N")[..8];
        var pricing = new ModelPricing(Options.Create(new ModelOptions
        {
            DefaultModel = "gpt-test",
            Pricing = { ["gpt-test"] = new ModelPrice { InputPer1K = 1m, OutputPer1K = 2m } },
        }));

        // The stub answers as "gpt-stub", which has no price: the call is priced as the deployment asked for.
        stub.Enqueue(OpenAIStub.Reply.Completion("one", promptTokens: 40, completionTokens: 10));
        LlmStepRequest request = Request() with { Step = new StepIdentity("run-1", workflow, "draft", 1), DailyBudget = new DailyBudgetLimits(null, 0.15m) };

        // Held before the call: 6 prompt tokens at 1/1K + 50 completion tokens at 2/1K = 0.106; used: 0.04 + 0.02.
        StepOutcome first = await Activity(pricing: pricing).RunAsync(request, CancellationToken.None);
        DailyCharge afterFirst = await ledger.UsedAsync(workflow, DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        StepOutcome second = await Activity(pricing: pricing).RunAsync(request, CancellationToken.None);

        Assert.True(first.Succeeded);
        Assert.Equal(0.06m, first.Cost);
        Assert.Equal(new DailyCharge(50, 60_000), afterFirst);
        Assert.Equal(0.4, first.DailyBudgetUsed);
        Assert.Equal(FailureReasons.BudgetExceeded, second.Error!.Reason);
        Assert.Contains("daily budget of 0.15 in cost", second.Error.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task RunAsync_GraderRateLimited_IsClassifiedLikeTheMainCallWithItsWaitAndTheFirstCallsTokens()
    {
        var azurite = await SharedAzurite.GetAsync();
        ledger = Ledger(azurite, TimeProvider.System);
        string workflow = "grader-" + Guid.NewGuid().ToString("N")[..8];
        stub.Enqueue(
            OpenAIStub.Reply.Completion("{ \"claim\": \"x\" }", 10, 5),
            OpenAIStub.Reply.Error(429, "slow down", new Dictionary<string, string> { ["retry-after"] = "12" }));
        LlmStepRequest request = Request(output: "json") with
        {
            Step = new StepIdentity("run-1", workflow, "draft", 1),
            DailyBudget = new DailyBudgetLimits(100_000, null),
            Rubric = new StreamCanvas.Definitions.Rubric { Prompt = "Is every claim sourced?" },
        };

        StepOutcome outcome = await Activity(maxRetries: 0).RunAsync(request, CancellationToken.None);

        Assert.Equal(FailureReasons.ModelRateLimited, outcome.Error!.Reason);
        Assert.True(outcome.Error.Retryable);
        Assert.Equal(12, outcome.Error.RetryAfterSeconds);
        Assert.Equal(new TokenUsage(10, 5), outcome.Tokens);
        Assert.Equal(15, (await ledger.UsedAsync(workflow, DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None)).Tokens);
    }

    [Fact]
    public async Task RunAsync_AttemptCrashesWithAnUnexpectedError_ReservationIsGivenBack()
    {
        var azurite = await SharedAzurite.GetAsync();
        ledger = Ledger(azurite, TimeProvider.System);
        string workflow = "crash-" + Guid.NewGuid().ToString("N")[..8];
        var model = new Mock<Microsoft.Extensions.AI.IChatClient>();
        model.Setup(m => m.GetResponseAsync(It.IsAny<IEnumerable<Microsoft.Extensions.AI.ChatMessage>>(), It.IsAny<Microsoft.Extensions.AI.ChatOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("bug"));
        var activity = new LlmStepActivity(model.Object, Budget(), NullLogger<LlmStepActivity>.Instance);

        await Assert.ThrowsAsync<InvalidOperationException>(() => activity.RunAsync(
            Request() with { Step = new StepIdentity("run-1", workflow, "draft", 1), DailyBudget = new DailyBudgetLimits(100_000, null) }, CancellationToken.None));

        Assert.Equal(0, (await ledger.UsedAsync(workflow, DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None)).Tokens);
    }

    [Fact]
    public async Task RunAsync_AttemptWhoseProcessDiesMidCall_ItsReservationExpiresAndFreesTheBudget()
    {
        var azurite = await SharedAzurite.GetAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        ledger = Ledger(azurite, clock);
        string workflow = "killed-" + Guid.NewGuid().ToString("N")[..8];
        var calling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = new Mock<Microsoft.Extensions.AI.IChatClient>();
        hung.Setup(m => m.GetResponseAsync(It.IsAny<IEnumerable<Microsoft.Extensions.AI.ChatMessage>>(), It.IsAny<Microsoft.Extensions.AI.ChatOptions?>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                calling.TrySetResult();
                return new TaskCompletionSource<Microsoft.Extensions.AI.ChatResponse>().Task; // never answers: the process is killed during the call
            });
        var answering = new Mock<Microsoft.Extensions.AI.IChatClient>();
        answering.Setup(m => m.GetResponseAsync(It.IsAny<IEnumerable<Microsoft.Extensions.AI.ChatMessage>>(), It.IsAny<Microsoft.Extensions.AI.ChatOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, "fine"))
            {
                ModelId = "gpt-test",
                Usage = new Microsoft.Extensions.AI.UsageDetails { InputTokenCount = 10, OutputTokenCount = 5, TotalTokenCount = 15 },
            });
        LlmStepRequest request = Request() with { Step = new StepIdentity("run-1", workflow, "draft", 1), MaxTokens = 100 };
        int estimate = TokenEstimate.ForCall(request.System, request.Prompt, request.MaxTokens);
        int budget = estimate + (estimate / 2);

        // The first attempt reserves and is never settled; while its reservation lives, the second does not fit.
        _ = new LlmStepActivity(hung.Object, Budget(clock), NullLogger<LlmStepActivity>.Instance).RunAsync(request with { DailyBudget = new DailyBudgetLimits(budget, null) }, CancellationToken.None);
        await calling.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var retried = new LlmStepActivity(answering.Object, Budget(clock), NullLogger<LlmStepActivity>.Instance);
        StepOutcome whileHeld = await retried.RunAsync(request with { Step = request.Step with { Attempt = 2 }, DailyBudget = new DailyBudgetLimits(budget, null) }, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        StepOutcome afterExpiry = await retried.RunAsync(request with { Step = request.Step with { Attempt = 3 }, DailyBudget = new DailyBudgetLimits(budget, null) }, CancellationToken.None);

        Assert.Equal(FailureReasons.BudgetExceeded, whileHeld.Error?.Reason);
        Assert.True(afterExpiry.Succeeded, afterExpiry.Error?.Message);
        Assert.Equal(15, (await ledger.UsedAsync(workflow, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), CancellationToken.None)).Tokens);
    }

    [Fact]
    public async Task RunAsync_ReplyWithoutUsage_CountsAnEstimateMarkedAsEstimated()
    {
        OpenAIStub.Reply reply = OpenAIStub.Reply.Completion("a reply of some forty characters, more or less");
        reply.Body.Remove("usage");
        stub.Enqueue(reply);

        StepOutcome outcome = await Activity().RunAsync(Request(), CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.True(outcome.Tokens!.Estimated);
        Assert.Equal(TokenEstimate.ForText("Be brief") + TokenEstimate.ForText("Write a haiku"), outcome.Tokens.Prompt);
        Assert.Equal(TokenEstimate.ForText("a reply of some forty characters, more or less"), outcome.Tokens.Completion);
    }

    [Theory]
    [InlineData("1s", 1)]
    [InlineData("6m0s", 360)]
    [InlineData("250ms", 0.25)]
    [InlineData("1h2m3.5s", 3723.5)]
    public void ParseGoDuration_RateLimitResetFormats_AreRead(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfter.ParseGoDuration(text));
    }
}
