using System.Net;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

[Collection(GuestCollection.Name)]
public sealed class StopTests(GuestImage guest)
{
    [Fact]
    public async Task Stop_powers_off_and_leaves_nothing_behind_but_the_untouched_backup()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("write,stay"));
        await Recovery.WaitForMarkerAsync(server, ready.Id);
        Assert.True(ready.VmRunning);
        Assert.True(Directory.Exists(ready.CacheFolder));

        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var stopped = await server.WaitForEndAsync(ready.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(SessionState.Stopped, stopped.State);
        Assert.Equal(
            ["Power off the VM", "Undefine the VM", "Unpublish the VM", "Delete the cache"],
            stopped.Steps.Where(s => s.Phase == SessionPhase.Stop).Select(s => s.Name));
        Assert.All(stopped.Steps.Where(s => s.Phase == SessionPhase.Stop), s => Assert.Equal(StepResult.Ok, s.Result));
        await Leftovers.AssertNoneAsync(server, stopped);
        Assert.Contains(GuestImage.WroteMarker, await server.ConsoleAsync(ready.Id), StringComparison.Ordinal);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);

        using var again = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
