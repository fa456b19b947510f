using System.Diagnostics;
using Lifeboat.FileRestore.Guestfs;
using Lifeboat.Testing.Waiting;

namespace Lifeboat.FileRestore.Tests.Guestfs;

/// <summary>
/// Cancelling a start that blocks on its worker's thread, as libguestfs's launch does while supermin and QEMU run: here
/// the start waits for a shell that waits for its own child (a launch's process tree), real processes, no appliance.
/// </summary>
public sealed class GuestfsWorkerTests
{
    [Fact]
    public async Task A_cancelled_start_kills_the_processes_its_thread_started_and_their_children()
    {
        await using var worker = new GuestfsWorker("worker-test");
        using var cancel = new CancellationTokenSource();
        var shell = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        var starting = worker.StartAsync(
            () => GuestfsConnection.Create(kvm: false, memoryMegabytes: 256),
            _ =>
            {
                using var process = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 600 & wait"]) { UseShellExecute = false })!;
                shell.SetResult(process);
                process.WaitForExit();
            },
            cancel.Token);
        var started = await shell.Task;
        RunningProcess? sleeping = null;
        await Wait.UntilAsync(() => (sleeping = ProcessTree.Descendants(started.Id) is [var child, ..] ? child : null) is not null, "the shell to start sleep");
        var shellProcess = RunningProcess.Read(started.Id)!;
        Assert.False(starting.IsCompleted);

        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The start ended {clock.Elapsed.TotalSeconds:0.0} s after its cancel.");
        Assert.False(shellProcess.IsRunning);
        Assert.False(sleeping!.IsRunning, $"{sleeping.CommandLine} ({sleeping.Id}) still runs");
    }
}
