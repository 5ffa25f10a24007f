using StreamCanvas.Activities.Models;

namespace StreamCanvas.Tests.Activities;

public sealed class ModelOptionsTests
{
    [Theory]
    [InlineData(100, 600, true)]
    [InlineData(700, 600, false)]
    [InlineData(100, 900, false)]
    [InlineData(0, 600, false)]
    public void Validate_ModelTimeouts_StayBelowTheActivityLimit(int callTimeout, int activityTimeout, bool valid)
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { TimeoutSeconds = callTimeout, ActivityTimeoutSeconds = activityTimeout });

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public async Task Standalone_ModelTimeoutBeyondTheActivityLimit_RefusesToStart()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StandaloneHostProcess.StartAsync(new Dictionary<string, string> { ["Model__ActivityTimeoutSeconds"] = "1200" }));

        Assert.Contains("exited with 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("Model:ActivityTimeoutSeconds (1200) must be below the host's function timeout", error.Message, StringComparison.Ordinal);
    }
}
