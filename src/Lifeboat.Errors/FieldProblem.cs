namespace Lifeboat.Errors;

/// <summary>What is wrong with one field of a request, in one sentence: an error answer lists every field's (the console shows each beside its field).</summary>
public sealed record FieldProblem(string Field, string Message);
