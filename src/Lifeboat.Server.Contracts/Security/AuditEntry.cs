namespace Lifeboat.Server.Contracts.Security;

/// <summary>One change, login or refused attempt, as the audit log keeps it and <c>GET /api/audit</c> shows it.</summary>
/// <param name="Who">The user name, or <c>token:NAME</c> for an API token; <c>-</c> when no one signed in.</param>
/// <param name="From">The client's address, when the server saw one.</param>
/// <param name="Action">What was asked, such as <c>session.stop</c> or <c>login</c>.</param>
/// <param name="Target">What it was asked of: a session id, job name, user name…</param>
/// <param name="Outcome"><c>ok</c>, or what went wrong (<c>denied</c>, <c>failed</c>, the error's sentence).</param>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Who, string? From, string Action, string Target, string Outcome);

/// <summary>Who is signed in, as <c>GET /api/me</c> answers.</summary>
public sealed record WhoAmIView(string Name, string Role, string Via);
