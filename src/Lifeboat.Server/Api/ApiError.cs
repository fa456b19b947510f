namespace Lifeboat.Server.Api;

/// <summary>The body of every error answer: one sentence that says what to do.</summary>
public sealed record ApiError(string Message);
