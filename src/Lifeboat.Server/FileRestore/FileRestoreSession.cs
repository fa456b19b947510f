using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lifeboat.FileRestore;

namespace Lifeboat.Server.FileRestore;

/// <summary>
/// One file-restore session: a restore point published read-only for a libguestfs appliance kept warm, who opened it,
/// and the downloads running in it. It lives in the server's memory only.
/// </summary>
public sealed class FileRestoreSession
{
    /// <summary>How many ended downloads a session keeps showing (their errors are how a client learns why a stream broke).</summary>
    public const int EndedDownloadsKept = 8;

    private readonly ConcurrentDictionary<FileRestoreDownload, byte> _downloads = new();
    private readonly ConcurrentQueue<FileRestoreDownload> _ended = new();
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _ending = new();
    private long _touchedTicks;
    private string? _endedBecause;

    internal FileRestoreSession(
        string id, string user, string vm, string restorePointId, string publication, IFileRestoreBrowser browser, TimeProvider time)
    {
        Id = id;
        User = user;
        Vm = vm;
        RestorePointId = restorePointId;
        Publication = publication;
        Browser = browser;
        _time = time;
        CreatedAt = time.GetUtcNow();
        _touchedTicks = CreatedAt.UtcTicks;
    }

    public string Id { get; }

    /// <summary>The user who opened it.</summary>
    public string User { get; }

    public string Vm { get; }

    public string RestorePointId { get; }

    /// <summary>The mount server's read-only publication the appliance reads.</summary>
    public string Publication { get; }

    /// <summary>The session's appliance: browse with it, or read files from it as an <see cref="IGuestFileSource"/>.</summary>
    public IFileRestoreBrowser Browser { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>When it was last used: a request, a download's progress, or the appliance's own last call.</summary>
    public DateTimeOffset LastUsed
    {
        get
        {
            var touched = new DateTimeOffset(Interlocked.Read(ref _touchedTicks), TimeSpan.Zero);
            return touched > Browser.LastUsed ? touched : Browser.LastUsed;
        }
    }

    /// <summary>The downloads running now and the last <see cref="EndedDownloadsKept"/> that ended, oldest first.</summary>
    public IReadOnlyList<FileRestoreDownload> Downloads => [.. _ended.Concat(_downloads.Keys).Distinct().OrderBy(d => d.StartedAt)];

    internal bool IsBusy => !_downloads.IsEmpty;

    /// <summary>Cancelled when the session starts closing: what runs in it (a download) stops.</summary>
    public CancellationToken Ending => _ending.Token;

    /// <summary>Why the session ended (closed, idle, the server stopped), once it has started closing; else null.</summary>
    public string? EndedBecause => Volatile.Read(ref _endedBecause);

    /// <summary>Marks the session ending for <paramref name="why"/> and stops what runs in it.</summary>
    internal void End(string why)
    {
        if (Interlocked.CompareExchange(ref _endedBecause, why, null) is null)
            _ending.Cancel();
    }

    /// <summary>Marks the session used now (the idle timeout counts from the last use).</summary>
    public void Touch() => Interlocked.Exchange(ref _touchedTicks, _time.GetUtcNow().UtcTicks);

    /// <summary>Registers a download of <paramref name="paths"/> as <paramref name="format"/>; the session is not idle until it ends.</summary>
    public FileRestoreDownload StartDownload(IReadOnlyList<GuestPath> paths, string format)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Touch();
        var download = new FileRestoreDownload(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), [.. paths.Select(p => p.ToString())], format, _time.GetUtcNow());
        _downloads[download] = 0;
        return download;
    }

    /// <summary>Ends a download: <paramref name="error"/> says why it failed, null when it did not.</summary>
    public void EndDownload(FileRestoreDownload download, string? error)
    {
        ArgumentNullException.ThrowIfNull(download);
        download.End(_time.GetUtcNow(), error);
        _ended.Enqueue(download);
        while (_ended.Count > EndedDownloadsKept && _ended.TryDequeue(out _))
        {
        }

        _downloads.TryRemove(download, out _);
        Touch();
    }
}
