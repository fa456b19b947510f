namespace Lifeboat.Server.Security;

/// <summary>Endpoint metadata: the name this endpoint's calls have in the audit log, such as <c>session.stop</c>.</summary>
public sealed record AuditAction(string Name);
