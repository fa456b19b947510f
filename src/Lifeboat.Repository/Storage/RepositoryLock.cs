namespace Lifeboat.Repository.Storage;

/// <summary>
/// The repository's `lock` file held through flock (what .NET does for FileShare on Linux): backups and readers
/// hold it shared, retention and garbage collection exclusive. The kernel drops it when the process dies.
/// </summary>
internal sealed class RepositoryLock : IDisposable
{
    private readonly FileStream _stream;

    private RepositoryLock(FileStream stream) => _stream = stream;

    public static RepositoryLock AcquireShared(RepositoryLayout layout) => Acquire(layout, exclusive: false);

    public static RepositoryLock AcquireExclusive(RepositoryLayout layout) => Acquire(layout, exclusive: true);

    public void Dispose() => _stream.Dispose();

    private static RepositoryLock Acquire(RepositoryLayout layout, bool exclusive)
    {
        try
        {
            // FileShare.None maps to LOCK_EX, anything else to LOCK_SH (taken only for read-only opens).
            var stream = new FileStream(
                layout.LockPath,
                FileMode.OpenOrCreate,
                exclusive ? FileAccess.ReadWrite : FileAccess.Read,
                exclusive ? FileShare.None : FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 0);
            return new RepositoryLock(stream);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new RepositoryException(
                exclusive
                    ? $"Repository '{layout.Display}' is in use by a running backup or mount; try again when it ends."
                    : $"Repository '{layout.Display}' is being cleaned up by retention; try again when it ends.",
                ex);
        }
    }
}
