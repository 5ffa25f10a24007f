using System.Globalization;
using Microsoft.Extensions.Logging;
using StreamCanvas.Definitions;
using StreamCanvas.Storage;

namespace StreamCanvas.Activities.Models;

/// <summary>A workflow's declared daily budgets, as the orchestrator hands them to a model call.</summary>
public sealed record DailyBudgetLimits(int? Tokens, decimal? Cost)
{
    public static DailyBudgetLimits? Of(WorkflowBudgets? budgets) =>
        budgets is { DailyTokens: null, DailyCost: null } or null ? null : new(budgets.DailyTokens, budgets.DailyCost);

    /// <summary>"2000 tokens and 5.00 in cost", for messages.</summary>
    public override string ToString() => string.Join(" and ", new[]
    {
        Tokens is int tokens ? $"{tokens} tokens" : null,
        Cost is decimal cost ? $"{cost.ToString("0.00####", CultureInfo.InvariantCulture)} in cost" : null,
    }.Where(part => part is not null));
}

/// <summary>What one model call holds of its workflow's daily budgets, from before the call until it is settled.</summary>
public sealed class DailyBudgetHold
{
    internal DailyBudgetHold(TokenReservation? reservation, DailyLimits? limits, string model, string? refusal)
    {
        Reservation = reservation;
        Limits = limits;
        Model = model;
        Refusal = refusal;
    }

    internal TokenReservation? Reservation { get; }
    internal DailyLimits? Limits { get; }

    /// <summary>The model (deployment) the call asked for: what it is priced by when its answer names no priced model.</summary>
    internal string Model { get; }

    /// <summary>Why the call may not go out (the budget it would exceed); null when it may.</summary>
    public string? Refusal { get; }
}

/// <summary>
/// The daily token and cost budgets of a workflow, shared by every model call (llm steps, agent turns) on every host:
/// a call holds the most it may use before it goes out, and settles what it used after, on every path. Cost is priced
/// with Model:Pricing, once per call, for the ledger, the cost metric and the step's record alike; a model without a
/// price counts its tokens only.
/// </summary>
public sealed partial class DailyBudget(ITokenLedger ledger, ModelPricing pricing, TimeProvider clock, ILogger<DailyBudget> logger)
{
    public async Task<DailyBudgetHold> HoldAsync(StepIdentity step, DailyBudgetLimits? limits, string? model, TokenUsage most, CancellationToken cancellationToken)
    {
        model ??= pricing.DefaultModel;
        if (limits is null)
        {
            return new DailyBudgetHold(null, null, model, null);
        }

        var ledgerLimits = new DailyLimits(limits.Tokens, limits.Cost is decimal cost ? Micros(cost) : null);
        DailyCharge charge = Charge(most, pricing.CostOfCall(null, model, most));
        TokenReservation? reservation = await ledger.TryReserveAsync(step.Workflow, Today(), charge, ledgerLimits, cancellationToken);
        string? refusal = reservation is null
            ? $"the workflow's daily budget of {limits} would be exceeded (this call may use {most.Total} tokens{CostNote(charge)})"
            : null;
        return new DailyBudgetHold(reservation, ledgerLimits, model, refusal);
    }

    /// <summary>
    /// Replaces the hold by what the call used and returns what that cost (streamcanvas.cost records it):
    /// <paramref name="answeredBy"/> is the model named in the answer; <paramref name="used"/> is null when the call
    /// never answered, which costs nothing stated.
    /// </summary>
    public async Task<decimal?> SettleAsync(StepIdentity step, DailyBudgetHold hold, string? answeredBy, TokenUsage? used, CancellationToken cancellationToken)
    {
        decimal? cost = used is null ? null : pricing.CostOfCall(answeredBy, hold.Model, used);
        await SettleLedgerAsync(hold, Charge(used ?? new TokenUsage(0, 0), cost), cancellationToken);
        ModelTelemetry.RecordCost(step, answeredBy, cost);
        return cost;
    }

    /// <summary>Settles after an unexpected exception without hiding it: a settlement that fails too leaves the hold to expire.</summary>
    public async Task SettleAfterFailureAsync(StepIdentity step, DailyBudgetHold hold, TokenUsage used)
    {
        try
        {
            await SettleLedgerAsync(hold, Charge(used, pricing.CostOfCall(null, hold.Model, used)), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogSettleFailed(ex, step.InstanceId, step.StepId, hold.Reservation?.Charge.Tokens ?? 0);
        }
    }

    Task SettleLedgerAsync(DailyBudgetHold hold, DailyCharge charge, CancellationToken cancellationToken) =>
        hold.Reservation is { } reservation ? ledger.SettleAsync(reservation, charge, cancellationToken) : Task.CompletedTask;

    /// <summary>How much of the tighter daily budget is gone once this call settled (live holds included), so the orchestrator can alert the owner.</summary>
    public async Task<double?> ShareAsync(DailyBudgetHold hold, CancellationToken cancellationToken)
    {
        if (hold.Reservation is not { } reservation || hold.Limits is not { } limits)
        {
            return null;
        }

        DailyCharge used = await ledger.UsedAsync(reservation.Workflow, reservation.Day, cancellationToken);
        return Math.Round(limits.Share(used), 4);
    }

    DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    static DailyCharge Charge(TokenUsage tokens, decimal? cost) => new(tokens.Total, cost is decimal priced ? Micros(priced) : 0);

    /// <summary>Millionths, rounded up, so a budget is never under-counted.</summary>
    static long Micros(decimal amount) => (long)decimal.Ceiling(amount * 1_000_000m);

    static string CostNote(DailyCharge charge) =>
        charge.CostMicros > 0 ? $", costing up to {(charge.CostMicros / 1_000_000m).ToString("0.00####", CultureInfo.InvariantCulture)}" : "";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {InstanceId} step {StepId}: could not settle its hold of {Tokens} tokens on the daily budget; it expires on its own")]
    partial void LogSettleFailed(Exception exception, string instanceId, string stepId, long tokens);
}
