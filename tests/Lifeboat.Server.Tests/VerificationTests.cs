using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// Verification (SureBackup) with the real server, QEMU and the test guest: a good restore point boots in isolation,
/// its checks run through the guest agent, its console is kept as a PNG and its result is shown with the restore
/// point; a failing check, a guest that never answers and a damaged block on the boot path each fail saying why;
/// nothing is left behind.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class VerificationTests(GuestImage guest)
{
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_good_restore_point_passes_with_its_recovery_time_checks_and_screenshot_and_a_failing_check_fails_it()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        var passed = await VerifyAsync(server, new VerificationRequest
        {
            Vm = "guest",
            FirmwareConfig = StayMode,
            Checks =
            [
                new VerificationCheck { Name = "kernel", Command = "cat /proc/version" },
                new VerificationCheck { Name = "root file system", Script = "test -d /data || exit 1\ngrep -q ' / ' /proc/mounts && echo root mounted\n" },
            ],
        });
        var outcome = passed.Outcome!;
        Assert.True(outcome.Passed, outcome.Reason);
        Assert.Equal(backup.Id, passed.RestorePointId);
        Assert.Equal(SessionState.Stopped, passed.State);
        Assert.InRange(outcome.RecoverySeconds ?? 0, 0.5, 600);
        Assert.Contains(outcome.Phases, p => p.Phase == SessionPhase.RegisteringAndStarting && p.Seconds > 0);
        Assert.Contains(outcome.Phases, p => p.Phase == SessionPhase.Verification);
        Assert.Equal(["kernel", "root file system"], outcome.Checks.Select(c => c.Name));
        Assert.All(outcome.Checks, c => Assert.True(c.Passed && c.ExitCode == 0));
        Assert.Contains("Linux version", outcome.Checks[0].Output, StringComparison.Ordinal);
        Assert.Equal("root mounted\n", outcome.Checks[1].Output);
        Assert.Matches(@"^booted in \d+\.\d s, 2 checks passed$", outcome.Summary);

        using (var picture = await server.Http.GetAsync($"api/verifications/{passed.SessionId}/screenshot"))
        {
            Assert.Equal(HttpStatusCode.OK, picture.StatusCode);
            Assert.Equal("image/png", picture.Content.Headers.ContentType?.MediaType);
            Assert.Equal((byte)'P', (await picture.Content.ReadAsByteArrayAsync())[1]);
        }

        var session = await server.GetAsync(passed.SessionId);
        Assert.Contains("isolated: no network", Assert.Single(session.Steps, s => s.Name == "Check the host").Message, StringComparison.Ordinal);
        await Leftovers.AssertNoneAsync(server, session);
        var points = await server.Http.GetFromJsonAsync("api/restore-points", ContractsJsonContext.Default.ListRestorePointView);
        Assert.Equal(outcome.Summary, Assert.Single(points!).Verified?.Summary);

        // A check that fails fails the verification, names the check, and the restore point shows the newest result.
        var failed = await VerifyAsync(server, new VerificationRequest
        {
            Vm = "guest",
            FirmwareConfig = StayMode,
            Checks = [new VerificationCheck { Name = "service", Command = "echo service is down; exit 4" }],
        });
        Assert.False(failed.Outcome!.Passed);
        Assert.Contains("Check 'service' exited with 4: service is down", failed.Outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(SessionState.Failed, failed.State);
        // Published to the notification channels (the server's log is always one): this one, not the passed one.
        var log = await server.WaitForLogAsync("Notification VerificationFailed", TimeSpan.FromSeconds(30));
        var published = Assert.Single(log.Split('\n'), l => l.Contains("Notification VerificationFailed", StringComparison.Ordinal));
        Assert.Contains($"Restore point {failed.RestorePointId} of VM guest did not pass its boot verification (session {failed.SessionId} on host local)", published, StringComparison.Ordinal);
        Assert.NotNull(failed.Outcome.Screenshot);
        await Leftovers.AssertNoneAsync(server, await server.GetAsync(failed.SessionId));
        points = await server.Http.GetFromJsonAsync("api/restore-points", ContractsJsonContext.Default.ListRestorePointView);
        Assert.StartsWith("failed: Check 'service'", Assert.Single(points!).Verified?.Summary, StringComparison.Ordinal);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }

    [Fact]
    public async Task A_guest_that_never_answers_fails_at_the_timeout_with_its_console_and_a_damaged_boot_block_is_named()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        var silent = await VerifyAsync(server, new VerificationRequest
        {
            Vm = "guest",
            FirmwareConfig = StayMode,
            ReadyWhen = "console:NEVER-PRINTED",
            TimeoutSeconds = 45,
        });
        Assert.False(silent.Outcome!.Passed);
        Assert.Contains("did not print \"NEVER-PRINTED\" within 45 s", silent.Outcome.Reason, StringComparison.Ordinal);
        // The outcome carries the end of the console as it was at the timeout (how far the guest got).
        Assert.False(string.IsNullOrWhiteSpace(silent.Outcome.ConsoleTail));
        Assert.Contains(silent.Outcome.ConsoleTail!.Trim(), await server.ConsoleAsync(silent.SessionId), StringComparison.Ordinal);
        await Leftovers.AssertNoneAsync(server, await server.GetAsync(silent.SessionId));

        // The block holding the root file system's superblock: outside the boot region Initialization reads, and read
        // by every boot. One flipped byte in its chunk's stored bytes fails the verification, naming the chunk.
        var chunk = await FlipChunkAsync(server.RepositoryPath, guest.RawDisk, guest.RootPartitionOffset);
        var damaged = await VerifyAsync(server, new VerificationRequest { Vm = "guest", FirmwareConfig = StayMode, TimeoutSeconds = 60 });
        Assert.False(damaged.Outcome!.Passed);
        Assert.Contains($"chunk {chunk}", damaged.Outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("offset", damaged.Outcome.Reason, StringComparison.Ordinal);
        await Leftovers.AssertNoneAsync(server, await server.GetAsync(damaged.SessionId));
        Assert.Equal(backup.Id, damaged.RestorePointId);
    }

    [Fact]
    public async Task Two_verifications_and_an_instant_recovery_at_once_all_succeed()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        var recovery = await server.RecoverAsync(Recovery.Guest("stay"));
        var first = StartAsync(server, new VerificationRequest { Vm = "guest", FirmwareConfig = StayMode });
        var second = StartAsync(server, new VerificationRequest { Vm = "guest", FirmwareConfig = StayMode });
        var ready = await server.WaitAsync(recovery.Id, s => s.State != SessionState.Starting, Recovery.BootTimeout);
        Assert.True(ready.State == SessionState.Ready, ServerProcess.Describe(ready));
        var verified = new List<VerificationView>();
        foreach (var verification in await Task.WhenAll(first, second))
        {
            var done = await WaitForOutcomeAsync(server, verification.Id);
            Assert.True(done.Outcome!.Passed, done.Outcome.Reason);
            verified.Add(done);
        }

        // The recovered VM went on running through both verifications.
        Assert.True((await server.GetAsync(recovery.Id)).VmRunning);
        using (var answer = await server.Http.PostAsync($"api/sessions/{recovery.Id}/stop", null))
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal(SessionState.Stopped, (await server.WaitForEndAsync(recovery.Id, TimeSpan.FromMinutes(1))).State);
        foreach (var done in verified)
            await Leftovers.AssertNoneAsync(server, await server.GetAsync(done.SessionId));
    }

    private static readonly Dictionary<string, string> StayMode = new() { [GuestImage.ModeEntry] = "stay" };

    private static async Task<VerificationView> VerifyAsync(ServerProcess server, VerificationRequest request) =>
        await WaitForOutcomeAsync(server, (await StartAsync(server, request)).Id);

    private static async Task<SessionView> StartAsync(ServerProcess server, VerificationRequest request)
    {
        using var answer = await server.PostAsync("api/verifications", request, ContractsJsonContext.Default.VerificationRequest);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
    }

    private static async Task<VerificationView> WaitForOutcomeAsync(ServerProcess server, string id)
    {
        var ended = await server.WaitForEndAsync(id, VerifyTimeout);
        var view = await server.Http.GetFromJsonAsync($"api/verifications/{id}", ContractsJsonContext.Default.VerificationView);
        Assert.True(view?.Outcome is not null, $"verification {id} ended without an outcome: {ServerProcess.Describe(ended)}");
        return view!;
    }

    /// <summary>Flips one stored byte of the chunk holding the 64 KiB block at <paramref name="offset"/>; returns its id.</summary>
    private static async Task<string> FlipChunkAsync(string repository, string rawDisk, long offset)
    {
        var block = new byte[64 * 1024];
        await using (var disk = File.OpenRead(rawDisk))
        {
            disk.Position = offset;
            await disk.ReadExactlyAsync(block);
        }

        var id = SHA256.HashData(block);
        foreach (var pack in Directory.EnumerateFiles(repository, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(pack);
            var at = bytes.AsSpan().IndexOf(id);
            // A pack record: 16 bytes of header, the id, the stored bytes' Crc32, then the stored bytes.
            if (at < 16 || !bytes.AsSpan(at - 16, 4).SequenceEqual("LBCK"u8))
                continue;
            bytes[at + 32 + 4 + 10] ^= 0x40;
            await File.WriteAllBytesAsync(pack, bytes);
            return Convert.ToHexStringLower(id);
        }

        throw new InvalidOperationException($"No pack of {repository} holds the chunk of disk offset {offset}.");
    }
}
