using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks.Caching;

/// <summary>
/// The folder holding one published disk's write cache: its files' names, and a lock file held for as long as the
/// disk is open so that two publications can never share a cache.
/// </summary>
internal sealed class CacheFolder : IDisposable
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    private readonly SafeFileHandle _lock;

    private CacheFolder(string path, SafeFileHandle lockHandle)
    {
        Path = path;
        _lock = lockHandle;
    }

    public string Path { get; }

    public string DataPath => System.IO.Path.Combine(Path, "writes.data");

    public string JournalPath => System.IO.Path.Combine(Path, "writes.journal");

    public string HydrationPath => System.IO.Path.Combine(Path, "hydrated.data");

    public static CacheFolder Open(string path, string diskName)
    {
        path = System.IO.Path.GetFullPath(path);
        try
        {
            OwnerOnly.CreateFolder(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The write-cache folder '{path}' of {diskName} cannot be created ({ex.Message}); choose a folder the mount server can write to.", ex);
        }

        string lockPath = System.IO.Path.Combine(path, "lock");
        SafeFileHandle lockHandle;
        try
        {
            lockHandle = OwnerOnly.OpenHandle(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"The write-cache folder '{path}' of {diskName} is not writable; choose a folder the mount server can write to.", ex);
        }
        catch (IOException ex) when (File.Exists(lockPath) && !IsDiskFull(ex))
        {
            throw new IOException($"The write-cache folder '{path}' is in use by another published disk; unpublish that disk first or choose another folder.", ex);
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            throw FullError(path, diskName, ex);
        }

        return new CacheFolder(path, lockHandle);
    }

    public static bool IsDiskFull(IOException ex) =>
        ex.HResult is ENOSPC or EDQUOT or unchecked((int)0x80070070) || ex.Message.Contains("No space left", StringComparison.Ordinal);

    public static IOException FullError(string folder, string diskName, IOException inner) =>
        new($"The write-cache folder '{folder}' of {diskName} is full: free space on its file system or move the cache to a larger one; the write was not stored.", inner);

    public void Dispose() => _lock.Dispose();
}
