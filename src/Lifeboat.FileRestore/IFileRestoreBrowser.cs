namespace Lifeboat.FileRestore;

/// <summary>
/// One warm libguestfs appliance reading one restore point's disks, read-only. Calls are served one at a time, in order;
/// disposing shuts the appliance down.
/// </summary>
public interface IFileRestoreBrowser : IGuestFileSource, IAsyncDisposable
{
    /// <summary>When the browser was last used (the idle timeout counts from here).</summary>
    DateTimeOffset LastUsed { get; }

    /// <summary>Every file system the appliance found, with the reason it cannot browse those it cannot.</summary>
    Task<IReadOnlyList<GuestFileSystem>> ListFileSystemsAsync(CancellationToken cancellationToken);

    /// <summary>A page of a folder's entries (lstat of each, link targets read).</summary>
    /// <exception cref="FileRestoreException">The path is not a folder, or does not exist, or its file system cannot be browsed.</exception>
    Task<GuestFolderPage> ListAsync(GuestPath folder, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Paths under <paramref name="under"/> (every browsable file system when null) whose name matches a shell pattern (<c>*.conf</c>), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<GuestEntry>> FindAsync(GuestPath? under, string namePattern, int limit, CancellationToken cancellationToken);
}
