namespace Lifeboat.Cli.Commands;

/// <summary>
/// The CLI's words for what the server's refusals name, by route: the command that lists what the route names, and the
/// flag (or argument, or environment variable) that sets each request field a refusal can name. A route is a path
/// prefix in which <c>*</c> stands for one segment; the route with the most segments that matches wins.
/// </summary>
internal sealed record RefusalWords(string Route, string? List, IReadOnlyDictionary<string, string> Fields)
{
    private static Dictionary<string, string> Words(params (string Field, string Word)[] words) =>
        words.ToDictionary(w => w.Field, w => w.Word, StringComparer.Ordinal);

    private static readonly (string, string)[] Recovery =
    [
        ("vm", "--vm"), ("readyWhen", "--ready-when"), ("readyTimeoutSeconds", "--ready-timeout"), ("firmwareConfig", "--fw-cfg"),
        ("protocol", "--protocol"), ("host", "--host"), ("network", "--network"), ("name", "--name"),
        ("redirectWritesTo", "--redirect-writes-to"), ("migrateTo", "--migrate-to"), ("migrateTo.targetDirectory", "--migrate-to"),
    ];

    private static readonly (string, string)[] Migration = [("targetDirectory", "--to"), ("method", "--method, --format")];

    /// <summary>Every route whose refusals the CLI words: those of every command that calls the server.</summary>
    public static readonly RefusalWords[] All =
    [
        new("api/jobs", "lifeboat jobs", Words(
            ("name", "NAME"), ("vm", "--vm"), ("source", "--disk, --qmp or --libvirt"), ("source.connectUri", "--connect"),
            ("schedule", "--schedule"), ("keep-last", "--keep-last"), ("retries", "--retries"), ("verify", "--verify"), ("host", "--host"),
            ("repository", "--repo"))),
        new("api/jobs/*/history", "lifeboat jobs", Words(("limit", "--limit"))),
        new("api/sessions", "lifeboat sessions", Words(Recovery)),
        new("api/sessions/*/migrate", "lifeboat sessions", Words(Migration)),
        new("api/disk-recoveries", "lifeboat sessions", Words(
            ("vm", "VM[@RESTORE_POINT]"), ("disk", "--disk"), ("targetVm", "--to-vm"), ("host", "--host"), ("protocol", "--protocol"),
            ("redirectWritesTo", "--redirect-writes-to"))),
        new("api/verifications", null, Words(
            ("vm", "--vm"), ("timeoutSeconds", "--timeout"), ("checks", "--check"), ("firmwareConfig", "--fw-cfg"), ("readyWhen", "--ready-when"),
            ("host", "--host"))),
        new("api/restore-points", "lifeboat restore-points", Words()),
        new("api/repositories", "lifeboat repo list", Words(("path", "PATH"))),
        new("api/datastores", "lifeboat datastores", Words(("name", "NAME"), ("path", "PATH"))),
        new("api/hosts", "lifeboat hosts", Words(("name", "NAME"), ("connect", "--connect"), ("mountServerAddress", "--mount-server-address"))),
        new("api/users", "lifeboat user list", Words(
            ("name", "NAME"), ("role", "--role"), ("password", "--password-stdin"), ("newPassword", "the password on stdin"))),
        new("api/tokens", "lifeboat token list", Words(("name", "NAME"), ("role", "--role"), ("nameOrId", "NAME|ID"))),
        new("api/audit", null, Words(("limit", "--limit"))),
        new("api/notifications/channels", "lifeboat notify list", Words(
            ("name", "NAME"), ("events", "--events"), ("email.host", "--host"), ("email.port", "--port"), ("email.security", "--security"),
            ("email.from", "--from"), ("email.to", "--to"), ("email.user", "--user"), ("email.password", NotifyAddCommands.SmtpPasswordVariable),
            ("email.trustedFingerprint", "--trust-fingerprint"), ("email.caFile", "--ca-file"), ("webhook.url", "--url"),
            ("webhook.secret", NotifyAddCommands.WebhookSecretVariable))),
        new("api/notifications/deliveries", null, Words(("limit", "--limit"))),
        new("api/file-restores", null, Words(
            ("vm", "VM[@RESTORE_POINT]"), ("restorePoint", "VM[@RESTORE_POINT]"), ("path", "FS:/PATH"), ("paths", "FS:/PATH"),
            ("pattern", "NAME-PATTERN"), ("under", "--under"), ("limit", "--limit"), ("format", "--archive"))),
        new("api/file-restores/*/restore-to-vm", null, Words(
            ("paths", "FS:/PATH"), ("vm", "--to-vm"), ("host", "--host"), ("guestPath", "--guest-path"), ("conflict", "--overwrite or --keep-both"))),
    ];

    /// <summary>The words of the most specific route <paramref name="path"/> (relative, its query ignored) falls under, if any.</summary>
    public static RefusalWords? For(string path)
    {
        var segments = path.Split('?', 2)[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        return All.Select(w => (Words: w, Route: w.Route.Split('/')))
            .Where(w => w.Route.Length <= segments.Length && w.Route.Select((s, i) => s == "*" || s == segments[i]).All(m => m))
            .OrderByDescending(w => w.Route.Length).Select(w => w.Words).FirstOrDefault();
    }
}
