using System.Diagnostics;
using Lifeboat.OncRpc.Portmap;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The machine-wide turn at port 111 (an flock on <see cref="Path"/>, the one the test projects and bench/recovery
/// take): two mount servers registering MOUNT and NFS with the same portmapper take each other's place, so a server
/// the quickstart starts waits while a test run or a benchmark has its own.
/// </summary>
internal sealed class PortmapLock : IDisposable
{
    public const string Path = "/tmp/lifeboat-tests-port111.lock";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly FileStream _lock;

    private PortmapLock(FileStream held) => _lock = held;

    /// <param name="waiting">Called once, when another process holds the lock and this one starts waiting.</param>
    public static async Task<PortmapLock> TakeAsync(Action waiting, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var told = false;
        while (true)
        {
            try
            {
                return new PortmapLock(new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (clock.Elapsed < Patience)
            {
                if (!told)
                    waiting();
                told = true;
                await Task.Delay(Poll, ct);
            }
            catch (IOException e)
            {
                throw new CliException($"Another Lifeboat process (a test run or a benchmark) has held port {PortmapClient.DefaultPort} for {Patience.TotalMinutes:0} minutes ({e.Message}); run the quickstart when it is done.");
            }
        }
    }

    public void Dispose() => _lock.Dispose();
}
