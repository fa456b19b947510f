using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The first recovery of a VM records which blocks its guest reads until it answers; the second recovery has them
/// decoded into the hydration file ahead of the guest, and the guest's reads are served from there (the mount server
/// counts them), with the guest's data as it was backed up.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed partial class BootPrefetchTests(GuestImage guest)
{
    private const string FoundMarker = "LIFEBOAT-GUEST-FOUND";

    [Fact]
    public async Task A_second_recovery_boots_from_blocks_prefetched_by_the_first_ones_profile()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        // The guest prints what /data/marker holds; the test guest's image has none until a guest writes one.
        var first = await ReadyAndWaitedAsync(server);
        var expected = await FoundHashAsync(server, first.Id);

        Assert.Contains("no boot profile of this VM yet", Step(first, "Publish the VM in the datastore").Message, StringComparison.Ordinal);
        var recorded = RecordedBlocks().Match(Step(first, "Wait for the guest").Message ?? "");
        Assert.True(recorded.Success, Step(first, "Wait for the guest").Message);
        Assert.True(int.Parse(recorded.Groups[1].Value, CultureInfo.InvariantCulture) > 10, "a boot reads more than ten blocks");
        await Recovery.StopCleanlyAsync(server, first.Id);

        var second = await ReadyAndWaitedAsync(server);
        Assert.Contains("prefetching the boot profile", Step(second, "Publish the VM in the datastore").Message, StringComparison.Ordinal);
        var wait = Step(second, "Wait for the guest").Message ?? "";
        var prefetch = PrefetchServed().Match(wait);
        Assert.True(prefetch.Success, wait);
        Assert.True(long.Parse(prefetch.Groups[1].Value, CultureInfo.InvariantCulture) > 10, wait);
        Assert.True(long.Parse(prefetch.Groups[2].Value, CultureInfo.InvariantCulture) > 10, $"the guest's reads did not find the prefetched blocks: {wait}");
        Assert.Equal(expected, await FoundHashAsync(server, second.Id));
        var log = await server.Http.GetStringAsync($"api/sessions/{second.Id}/log");
        Assert.Contains("Boot prefetch started", log, StringComparison.Ordinal);
        Assert.Matches(@"Boot prefetch done in \d+\.\d\d s", log);
        await Recovery.StopCleanlyAsync(server, second.Id);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);

        var profile = await server.Http.GetFromJsonAsync("api/boot-profiles/guest", ContractsJsonContext.Default.BootProfileView);
        Assert.Equal(second.Id, profile!.SessionId);
        Assert.True(profile.Blocks > 10);
        using (var forget = await server.Http.DeleteAsync("api/boot-profiles/guest"))
            Assert.Equal(HttpStatusCode.NoContent, forget.StatusCode);
        using (var gone = await server.Http.GetAsync("api/boot-profiles/guest"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>A recovery whose "Wait for the guest" step has ended: the session is Ready a moment before the step records its message.</summary>
    private static async Task<SessionView> ReadyAndWaitedAsync(ServerProcess server)
    {
        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("stay"));
        return await server.WaitAsync(ready.Id, s => s.Steps.Any(step => step.Name == "Wait for the guest" && step.Result != StepResult.Running), Recovery.BootTimeout);
    }

    private static SessionStep Step(SessionView session, string name) => Assert.Single(session.Steps, s => s.Name == name);

    private static async Task<string> FoundHashAsync(ServerProcess server, string id)
    {
        var line = await server.WaitForConsoleAsync(id, FoundMarker, Recovery.BootTimeout);
        return line[(line.IndexOf(FoundMarker, StringComparison.Ordinal) + FoundMarker.Length)..].Trim();
    }

    [GeneratedRegex(@"boot profile of (\d+) blocks")]
    private static partial Regex RecordedBlocks();

    [GeneratedRegex(@"prefetch decoded (\d+) blocks ahead of the guest and served (\d+) guest reads")]
    private static partial Regex PrefetchServed();
}
