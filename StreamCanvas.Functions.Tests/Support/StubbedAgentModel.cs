using Microsoft.Extensions.AI;
using StreamCanvas.Activities.Models;

namespace StreamCanvas.Tests.Support;

/// <summary>The real model pipeline (OpenAI client) over the local OpenAI stub, as agent tests drive their turns.</summary>
public static class StubbedAgentModel
{
    public static IChatClient Over(OpenAIStub stub)
    {
        var options = new ModelOptions
        {
            Provider = ModelProviders.OpenAICompatible, Endpoint = stub.BaseUrl, ApiKey = "test-key", DefaultModel = "gpt-agent", MaxRetries = 0, TimeoutSeconds = 10,
        };
        return ModelPipeline.Build(ModelPipeline.Backend(options), options);
    }

    /// <summary>The tool results the model was sent in its last request, by tool call id.</summary>
    public static Dictionary<string, string> ToolResultsSent(this OpenAIStub stub) =>
        stub.Requests.Last().Body["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "tool")
            .ToDictionary(m => m!["tool_call_id"]!.GetValue<string>(), m => m!["content"]!.ToString());
}
