using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Security;

/// <summary>
/// Who changed what, when, from where, and how it went: every change made over REST or from the console, every login
/// and failed login. Kept in the server database; an entry that cannot be written is logged, and the change it
/// describes stands (it has happened already).
/// </summary>
public sealed class AuditLog(AuditStore store, TimeProvider time, ILogger<AuditLog> logger)
{
    public const int MaxLimit = 10_000;

    /// <summary>The longest field of an entry, before the mark that says it was cut.</summary>
    public const int MaxFieldLength = 256;

    public ValueTask RecordAsync(ClaimsPrincipal who, string? fromAddress, string action, string target, string outcome, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record(LifeboatClaims.Who(who), fromAddress, action, target, outcome);
        return ValueTask.CompletedTask;
    }

    /// <summary>For what happens before anyone is signed in (a login names the user it tried).</summary>
    public void Record(string who, string? fromAddress, string action, string target, string outcome)
    {
        try
        {
            store.Append(time.GetUtcNow(), Capped(who), fromAddress is null ? null : Capped(fromAddress), Capped(action), Capped(target), Capped(outcome));
        }
        catch (SqliteException e)
        {
            SecurityLog.AuditNotWritten(logger, action, target, who, e.Message);
        }
    }

    /// <summary>
    /// A field cut to <see cref="MaxFieldLength"/> characters and marked so: what a refused request asked for may be
    /// megabytes (a 10 MB VM name), and the audit row must stay small.
    /// </summary>
    public static string Capped(string text)
    {
        if (text.Length <= MaxFieldLength)
            return text;
        var keep = char.IsHighSurrogate(text[MaxFieldLength - 1]) ? MaxFieldLength - 1 : MaxFieldLength;
        return string.Concat(text.AsSpan(0, keep), $"… (cut from {text.Length} characters)");
    }

    /// <summary>The newest entries first; <paramref name="before"/> (an entry's id) pages further back.</summary>
    public IReadOnlyList<AuditEntry> List(int limit, long? before = null, string? who = null, string? action = null) =>
        store.List(Math.Clamp(limit, 1, MaxLimit), before, who, action);
}
