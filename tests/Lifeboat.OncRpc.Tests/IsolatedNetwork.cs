using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// A private Linux network namespace with its own loopback, so a test can own port 111 (and run rpcbind there)
/// without touching the machine's. Namespaces belong to threads: a dedicated thread enters the namespace, and
/// sockets and processes created by work run on it live there; the sockets can then be used from any thread.
/// </summary>
internal sealed class IsolatedNetwork : IDisposable
{
    private const int CloneNewNet = 0x4000_0000;
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    private IsolatedNetwork()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() =>
        {
            try
            {
                if (Unshare(CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), "unshare(CLONE_NEWNET) failed; the tests need root.");
                }

                entered.SetResult();
            }
            catch (Exception ex)
            {
                entered.SetException(ex);
                return;
            }

            foreach (var action in _work.GetConsumingEnumerable())
            {
                action();
            }
        })
        {
            IsBackground = true,
            Name = "isolated-network",
        };
        _thread.Start();
        Entered = entered.Task;
    }

    private Task Entered { get; }

    public static async Task<IsolatedNetwork> CreateAsync()
    {
        var network = new IsolatedNetwork();
        await network.Entered;
        var up = await network.RunAsync(() => Tools.RunAsync("ip", "link", "set", "lo", "up"));
        Assert.True(up.ExitCode == 0, up.Output);
        return network;
    }

    /// <summary>Runs <paramref name="work"/> on the namespace's thread; its synchronous part creates sockets and processes there.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        });
        return result.Task;
    }

    public async Task<T> RunAsync<T>(Func<Task<T>> work) => await (await Run(work));

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }

    [DllImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static extern int Unshare(int flags);
}
