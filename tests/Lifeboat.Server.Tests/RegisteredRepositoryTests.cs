using System.Net;
using System.Net.Http.Json;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>A VM backed up into another repository, registered with `lifeboat repo add`, is recovered from there.</summary>
[Collection(GuestCollection.Name)]
public sealed class RegisteredRepositoryTests(GuestImage guest)
{
    [Fact]
    public async Task A_VM_in_a_registered_repository_is_recovered_from_it_and_survives_a_server_restart()
    {
        using var folder = new TestFolder();
        var otherPath = folder.Combine("other-repository");
        RestorePointInfo backup;
        using (var other = BackupRepository.Init(otherPath, new RepositoryOptions(), password: null))
            backup = await other.BackupAsync(new BackupRequest("elsewhere", [guest.RawDisk], guest.HardwareJson));
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        using (var added = await server.PostAsync("api/repositories", new AddRepositoryRequest(otherPath), ContractsJsonContext.Default.AddRepositoryRequest))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);

        var request = Recovery.Guest("write,stay") with { Vm = "elsewhere" };
        var ready = await Recovery.RecoverUntilReadyAsync(server, request);
        Assert.Equal(backup.Id, ready.RestorePointId);
        Assert.Equal(Path.GetFullPath(otherPath), ready.Repository);
        var check = Assert.Single(ready.Steps, s => s.Name == "Check the repository");
        Assert.Contains("registered", check.Message, StringComparison.Ordinal);
        await Recovery.WaitForMarkerAsync(server, ready.Id);

        // The publication names its repository, so a restarted server publishes it again from there.
        await server.KillAsync();
        await server.StartAgainAsync();
        var ticks = await Recovery.TickCountAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, TimeSpan.FromMinutes(1), ticks + 3);
        Assert.DoesNotContain("Could not publish", server.ReadLog(), StringComparison.Ordinal);

        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            answer.EnsureSuccessStatusCode();
        var stopped = await server.WaitForEndAsync(ready.Id, TimeSpan.FromMinutes(1));
        Assert.Equal(SessionState.Stopped, stopped.State);
        await Leftovers.AssertNoneAsync(server, stopped);
        await Recovery.AssertRepositoryUnchangedAsync(otherPath, backup, guest.RawDisk);
        using var own = BackupRepository.Open(server.RepositoryPath, password: null);
        Assert.Empty(own.ListRestorePoints());
    }
}
