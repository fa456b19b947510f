namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>
/// A file-restore session as <c>/api/file-restores</c> shows it. Sessions live in the server's memory: a server restart
/// ends them all. The list shows every session to any signed-in user, without <see cref="Downloads"/>; a session's own
/// document (operator) has them.
/// </summary>
/// <param name="User">Who opened it.</param>
/// <param name="LastUsed">The idle timeout counts from here.</param>
/// <param name="ClosesAt">When it closes if nothing uses it before.</param>
/// <param name="Downloads">Downloads running now and the last few that ended; null in the list.</param>
public sealed record FileRestoreSessionView(
    string Id,
    string Vm,
    string RestorePoint,
    string User,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsed,
    DateTimeOffset ClosesAt,
    IReadOnlyList<FileRestoreDownloadView>? Downloads);
