using System.Diagnostics;

namespace Lifeboat.Testing.Network;

/// <summary>
/// Held while this project's servers use port 111. Test projects run in parallel processes, and two mount servers
/// registering MOUNT and NFS with the same portmapper take each other's place, so every project whose tests start
/// a mount server on port 111 takes this machine-wide lock (an flock on <see cref="Path"/>) first.
/// </summary>
public sealed class Port111Lock : IDisposable
{
    public const string Path = "/tmp/lifeboat-tests-port111.lock";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    private readonly FileStream _lock;

    public Port111Lock()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _lock = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return;
            }
            catch (IOException) when (waited.Elapsed < Patience)
            {
                Thread.Sleep(250);
            }
        }
    }

    public void Dispose() => _lock.Dispose();
}
