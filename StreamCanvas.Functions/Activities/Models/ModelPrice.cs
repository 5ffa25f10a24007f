using Microsoft.Extensions.Options;

namespace StreamCanvas.Activities.Models;

/// <summary>What a model's tokens cost, per 1 000, in the currency the operator bills in (one currency for all).</summary>
public sealed class ModelPrice
{
    public decimal InputPer1K { get; set; }
    public decimal OutputPer1K { get; set; }
}

/// <summary>Prices model calls with Model:Pricing; a model without a price costs nothing we can state (null).</summary>
public sealed class ModelPricing(IOptions<ModelOptions> options)
{
    /// <summary>The model that answers steps naming none (Model:DefaultModel).</summary>
    public string DefaultModel => options.Value.DefaultModel;

    public decimal? Cost(string? model, TokenUsage? tokens)
    {
        if (model is null || tokens is null || !options.Value.Pricing.TryGetValue(model, out ModelPrice? price))
        {
            return null;
        }

        return decimal.Round((tokens.Prompt * price.InputPer1K + tokens.Completion * price.OutputPer1K) / 1000m, 6);
    }

    /// <summary>
    /// A call priced by the model named in its answer when that has a price, else by the deployment asked for (or the
    /// default): Azure answers with a versioned name ("gpt-4o-mini-2024-07-18") where Model:Pricing may name the deployment.
    /// </summary>
    public decimal? CostOfCall(string? answeredBy, string? requested, TokenUsage? tokens) =>
        Cost(answeredBy, tokens) ?? Cost(requested ?? DefaultModel, tokens);
}
