using System.Net.Http.Json;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>The server dies with kill -9 while a recovered VM runs from its datastore, and is started again.</summary>
[Collection(GuestCollection.Name)]
public sealed class RestartTests(GuestImage guest)
{
    [Fact]
    public async Task After_kill_9_and_a_restart_the_VM_never_stopped_and_its_session_goes_on()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("write,stay"));
        await Recovery.WaitForMarkerAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, Recovery.BootTimeout);
        var qemu = VmRuntimeFolder.RunningProcess(ready.RuntimeDirectory!);
        Assert.NotNull(qemu);

        await server.KillAsync();
        Assert.Equal(qemu, VmRuntimeFolder.RunningProcess(ready.RuntimeDirectory!));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await server.StartAgainAsync();

        var resumed = await server.GetAsync(ready.Id);
        Assert.Equal(SessionState.Ready, resumed.State);
        Assert.True(resumed.VmRunning);
        Assert.Equal(qemu, VmRuntimeFolder.RunningProcess(ready.RuntimeDirectory!));
        var log = await server.Http.GetFromJsonAsync($"api/sessions/{ready.Id}/log", ContractsJsonContext.Default.ListSessionLogLine);
        Assert.Contains(log!, line => line.Message.Contains("Reattached", StringComparison.Ordinal));

        // The guest's disk I/O goes on through the restarted mount server: it keeps ticking (each tick syncs to the disk).
        var ticks = await Recovery.TickCountAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, TimeSpan.FromMinutes(1), ticks + 3);

        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            answer.EnsureSuccessStatusCode();
        var stopped = await server.WaitForEndAsync(ready.Id, TimeSpan.FromMinutes(1));
        Assert.Equal(SessionState.Stopped, stopped.State);
        await Leftovers.AssertNoneAsync(server, stopped);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }
}
