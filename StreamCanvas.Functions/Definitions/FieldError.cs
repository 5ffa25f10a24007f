namespace StreamCanvas.Definitions;

/// <summary>A field at fault: a JSON Pointer into the body (or the parameter's name) and what is wrong.</summary>
public sealed record FieldError(string Field, string Message);
