using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

[Collection(GuestCollection.Name)]
public sealed class StopTests(GuestImage guest)
{
    [Fact]
    public async Task Stop_powers_off_and_leaves_nothing_behind_but_the_untouched_backup_and_wakes_a_client_waiting_for_a_change()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("write,stay"));
        await Recovery.WaitForMarkerAsync(server, ready.Id);
        Assert.True(ready.VmRunning);
        Assert.True(Directory.Exists(ready.CacheFolder));

        // A client holding the session's tag: a plain conditional GET is 304, one that may wait is 304 while nothing
        // changes, and one waiting when the stop comes answers with the changed session, long before its wait is over.
        var tag = await TagAsync(server, ready.Id);
        using (var unchanged = await GetIfChangedAsync(server, ready.Id, tag, wait: null))
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        using (var quiet = await GetIfChangedAsync(server, ready.Id, tag, wait: 1))
            Assert.Equal(HttpStatusCode.NotModified, quiet.StatusCode);
        var waiting = GetIfChangedAsync(server, ready.Id, tag, wait: 60);
        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        using (var woken = await waiting.WaitAsync(TimeSpan.FromSeconds(45)))
        {
            Assert.Equal(HttpStatusCode.OK, woken.StatusCode);
            Assert.NotEqual(tag, woken.Headers.ETag?.ToString());
            var changed = await woken.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView);
            Assert.NotEqual(SessionState.Ready, changed!.State);
        }

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

        // An ended session changes no more: its tag stays, and a wait on it ends with 304.
        var final = await TagAsync(server, ready.Id);
        using (var ended = await GetIfChangedAsync(server, ready.Id, final, wait: 1))
            Assert.Equal(HttpStatusCode.NotModified, ended.StatusCode);
    }

    private static async Task<string> TagAsync(ServerProcess server, string id)
    {
        using var answer = await server.Http.GetAsync($"api/sessions/{id}");
        answer.EnsureSuccessStatusCode();
        return Assert.IsType<string>(answer.Headers.ETag?.ToString());
    }

    private static Task<HttpResponseMessage> GetIfChangedAsync(ServerProcess server, string id, string tag, int? wait)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", tag);
        if (wait is { } seconds)
            request.Headers.TryAddWithoutValidation("Prefer", $"wait={seconds}");
        return server.Http.SendAsync(request);
    }
}
