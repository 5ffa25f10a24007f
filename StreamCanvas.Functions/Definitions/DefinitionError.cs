namespace StreamCanvas.Definitions;

/// <summary>One problem in a definition: where (a JSON Pointer into the file) and what.</summary>
public sealed record DefinitionError(string Pointer, string Message)
{
    public override string ToString() => $"{(Pointer.Length == 0 ? "/" : Pointer)}: {Message}";
}

/// <summary>Thrown at startup when a workflow file is invalid; the message names the file, the path and the problem.</summary>
public sealed class WorkflowDefinitionException(string file, IReadOnlyList<DefinitionError> errors)
    : Exception($"Invalid workflow definition {file}:{Environment.NewLine}" +
                string.Join(Environment.NewLine, errors.Select(e => $"  {file}#{e}")))
{
    public string File { get; } = file;
    public IReadOnlyList<DefinitionError> Errors { get; } = errors;
}
