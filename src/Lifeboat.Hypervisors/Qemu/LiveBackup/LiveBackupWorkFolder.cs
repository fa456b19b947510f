using System.Text;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// The folder one live backup of a VM works in: a lock that keeps a second backup out, the unix socket the
/// hypervisor's NBD server listens on, and the scratch images that hold the point in time. A killed backup leaves
/// them behind; the next one deletes them before it starts.
/// </summary>
public sealed class LiveBackupWorkFolder : IDisposable
{
    public const string NbdSocketName = "nbd.sock";
    private const string LockFileName = "lock";

    private readonly FileStream _lock;
    private readonly string _scratchExtension;

    private LiveBackupWorkFolder(string path, string scratchExtension, FileStream lockFile)
    {
        Path = path;
        _scratchExtension = scratchExtension;
        _lock = lockFile;
        NbdSocketPath = System.IO.Path.Combine(path, NbdSocketName);
    }

    public string Path { get; }

    public string NbdSocketPath { get; }

    /// <summary>Where the scratch image of <paramref name="name"/> goes (a disk's node or target name).</summary>
    public string ScratchImage(string name) => System.IO.Path.Combine(Path, name + _scratchExtension);

    /// <summary>Creates the folder and takes its lock.</summary>
    /// <param name="fail">Makes the hypervisor's own exception from one sentence.</param>
    /// <exception cref="Exception">What <paramref name="fail"/> makes: another backup holds the lock, or the path is too long for a socket.</exception>
    public static LiveBackupWorkFolder Open(string directory, string scratchExtension, Func<string, Exception?, Exception> fail)
    {
        var path = System.IO.Path.GetFullPath(directory);
        Directory.CreateDirectory(path);
        if (Encoding.UTF8.GetByteCount(System.IO.Path.Combine(path, NbdSocketName)) > UnixSocket.MaxPathBytes)
        {
            throw fail($"The work folder {path} is too long for a unix socket path ({UnixSocket.MaxPathBytes} bytes); use a shorter one.", null);
        }

        try
        {
            var lockFile = new FileStream(System.IO.Path.Combine(path, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new LiveBackupWorkFolder(path, scratchExtension, lockFile);
        }
        catch (IOException ex)
        {
            throw fail($"Another live backup uses the work folder {path} ({ex.Message}); wait for it to end.", ex);
        }
    }

    /// <summary>Deletes the socket and every scratch image; one the hypervisor still holds stays for the next backup.</summary>
    public void DeleteWorkFiles()
    {
        foreach (var file in Directory.EnumerateFiles(Path, "*" + _scratchExtension).Append(NbdSocketPath))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Still held; the next backup deletes it.
            }
        }
    }

    /// <summary>Leaves the files as a killed backup would and lets the next backup in.</summary>
    public void Abandon() => _lock.Dispose();

    /// <summary>Deletes the files and lets the next backup in.</summary>
    public void Dispose()
    {
        try
        {
            DeleteWorkFiles();
        }
        finally
        {
            _lock.Dispose();
        }
    }
}
