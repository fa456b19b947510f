namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>
/// The body of <c>POST /api/sessions/{id}/recover-again</c>: a failed recovery's request started again as a new session (same
/// restore point, host and options) with another boot timeout.
/// </summary>
/// <param name="ReadyTimeoutSeconds">How long the new session waits for the guest; null: twice what the failed session waited.</param>
public sealed record RecoverAgainRequest(double? ReadyTimeoutSeconds = null);
