using StreamCanvas.Definitions;
using StreamCanvas.Telemetry;

namespace StreamCanvas.Tests.Telemetry;

public sealed class FailureClassesTests
{
    [Theory]
    [InlineData(FailureReasons.ApprovalTimeout, FailureClasses.ApprovalTimeout)]
    [InlineData(FailureReasons.ModelRateLimited, FailureClasses.ModelError)]
    [InlineData(FailureReasons.ToolTimeout, FailureClasses.ToolError)]
    [InlineData(FailureReasons.ToolRedirect, FailureClasses.ToolError)]
    [InlineData(FailureReasons.ToolResponseTooLarge, FailureClasses.ToolError)]
    [InlineData(FailureReasons.OutputInvalid, FailureClasses.Validation)]
    [InlineData("custom-reason", FailureClasses.Other)]
    public void Of_Reason_GroupsIntoItsClass(string reason, string expected) => Assert.Equal(expected, FailureClasses.Of(reason));
}
