using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamCanvas.Activities;
using StreamCanvas.Activities.Models;

namespace StreamCanvas.Tests.Activities;

/// <summary>Model:Pricing from configuration prices a call's tokens; an unpriced model has no cost rather than zero.</summary>
public sealed class ModelPricingTests
{
    static ModelPricing FromSettings(params (string Key, string Value)[] settings)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        ServiceProvider services = new ServiceCollection()
            .Configure<ModelOptions>(configuration.GetSection(ModelOptions.Section))
            .BuildServiceProvider();
        return new ModelPricing(services.GetRequiredService<IOptions<ModelOptions>>());
    }

    [Fact]
    public void Cost_PricedModel_PricesInputAndOutputPer1K()
    {
        ModelPricing pricing = FromSettings(("Model:Pricing:gpt-4o-mini:InputPer1K", "0.00015"), ("Model:Pricing:gpt-4o-mini:OutputPer1K", "0.0006"));

        Assert.Equal(0.00045m, pricing.Cost("gpt-4o-mini", new TokenUsage(1000, 500)));
        Assert.Equal(0.00045m, pricing.Cost("GPT-4O-MINI", new TokenUsage(1000, 500)));
    }

    [Fact]
    public void Cost_UnpricedModelOrNoTokens_IsNull()
    {
        ModelPricing pricing = FromSettings(("Model:Pricing:gpt-4o:InputPer1K", "0.0025"));

        Assert.Null(pricing.Cost("other", new TokenUsage(1000, 500)));
        Assert.Null(pricing.Cost("gpt-4o", null));
        Assert.Null(pricing.Cost(null, new TokenUsage(1, 1)));
    }
}
