using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Hosting;

public sealed class HostModeTests
{
    [Theory]
    [InlineData(new[] { "--functions-uri", "http://127.0.0.1:5000", "--functions-worker-id", "w" }, null, true)]
    [InlineData(new[] { "--host", "127.0.0.1", "--port", "5000", "--workerId", "w" }, null, true)]
    [InlineData(new string[0], "http://127.0.0.1:5000", true)]
    [InlineData(new string[0], null, false)]
    [InlineData(new[] { "--Standalone:Port=8080" }, null, false)]
    public void IsFunctionsHost_ArgumentsAndEnvironment_DecideTheMode(string[] args, string? hostEndpoint, bool expected)
    {
        Assert.Equal(expected, HostMode.IsFunctionsHost(args, name => name == "Functions__Worker__HostEndpoint" ? hostEndpoint : null));
    }
}
