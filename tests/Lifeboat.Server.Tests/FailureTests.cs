using System.Net;
using System.Net.Http.Json;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>Sessions that cannot succeed fail at the right step, with a message that says what to do, and leave nothing behind.</summary>
[Collection(GuestCollection.Name)]
public sealed class FailureTests(GuestImage guest)
{
    private static readonly TimeSpan FailTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Unknown_VMs_restore_points_and_damaged_restore_points_fail_in_initialization()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var noAgent = folder.Combine("no-agent.json");
        await File.WriteAllTextAsync(noAgent, """{"cpus": 1, "memoryMiB": 256, "diskBus": "virtio", "firmware": "bios"}""");
        await server.BackupAsync("no-agent", guest.RawDisk, noAgent);

        var unknownVm = await FailAsync(server, new RecoveryRequest { Vm = "no-such-vm" }, SessionPhase.Initialization, "Find the restore point");
        Assert.Contains("no-such-vm", unknownVm.Error, StringComparison.Ordinal);
        Assert.Contains("guest", unknownVm.Error, StringComparison.Ordinal);

        var unknownPoint = await FailAsync(server, new RecoveryRequest { Vm = "guest", RestorePoint = "ffffffffffff" }, SessionPhase.Initialization, "Find the restore point");
        Assert.Contains("latest", unknownPoint.Error, StringComparison.Ordinal);

        var packs = Directory.EnumerateFiles(server.RepositoryPath, "*", SearchOption.AllDirectories).ToHashSet();
        var disk = folder.Combine("small.raw");
        var content = new byte[4 << 20];
        new Random(42).NextBytes(content);
        await File.WriteAllBytesAsync(disk, content);
        await server.BackupAsync("damaged", disk, null);
        var added = Directory.EnumerateFiles(server.RepositoryPath, "*", SearchOption.AllDirectories)
            .Where(f => !packs.Contains(f) && new FileInfo(f).Length > 64 * 1024).ToList();
        Assert.NotEmpty(added);
        foreach (var pack in added)
        {
            await using var file = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite);
            for (long offset = 4096; offset < file.Length; offset += 32 * 1024)
            {
                file.Position = offset;
                file.WriteByte(0x5a);
            }
        }

        var damaged = await FailAsync(server, new RecoveryRequest { Vm = "damaged" }, SessionPhase.Initialization, "Check the restore point's chunks");
        Assert.Contains("damaged", damaged.Error, StringComparison.Ordinal);
        Assert.Contains("recover from another restore point and verify the repository", damaged.Error, StringComparison.Ordinal);

        // A VM whose backup recorded no guest agent channel cannot be waited for through one.
        var agent = await FailAsync(server, new RecoveryRequest { Vm = "no-agent", ReadyWhen = "agent" }, SessionPhase.Initialization, "Check the host");
        Assert.Contains("guest agent channel", agent.Error, StringComparison.Ordinal);
        Assert.Contains("ready when the console shows a text or when QEMU runs", agent.Error, StringComparison.Ordinal);

        using var bad = await server.PostAsync("api/sessions", new RecoveryRequest { Vm = "guest", ReadyWhen = "whenever" }, ContractsJsonContext.Default.RecoveryRequest);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badReady = (await bad.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError))!;
        Assert.Contains("is not one of running, console:TEXT, agent", badReady.Detail, StringComparison.Ordinal);
        Assert.Equal("readyWhen", badReady.Field);
        // What a parser below refuses is the refusal of the request's field, not of a C# parameter.
        using var badProtocol = await server.PostAsync("api/sessions", new RecoveryRequest { Vm = "guest", Protocol = "smb" }, ContractsJsonContext.Default.RecoveryRequest);
        Assert.Equal(HttpStatusCode.BadRequest, badProtocol.StatusCode);
        Assert.Equal("protocol", (await badProtocol.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError))!.Field);
    }

    [Fact]
    public async Task A_cache_folder_without_room_fails_before_anything_is_published()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), "--cache-reserve", "1000000T");
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var failed = await FailAsync(server, Recovery.Guest("stay"), SessionPhase.Initialization, "Check the cache space");
        Assert.Contains("a smaller cache reserve", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_portmap_answering_another_port_for_nfs_fails_the_mount_server_check_naming_that_port()
    {
        using var folder = new TestFolder();
        var portmapPort = FreePorts.Tcp();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), "--portmap-port", portmapPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        // What a registration by someone else leaves (root may change portmap's table; nobody may not).
        await using (var portmap = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, portmapPort)))
        {
            Assert.True(await portmap.UnsetAsync(Nfs.Nfs3.Nfs3Constants.Program, Nfs.Nfs3.Nfs3Constants.Version));
            Assert.True(await portmap.SetAsync(new PortmapMapping(Nfs.Nfs3.Nfs3Constants.Program, Nfs.Nfs3.Nfs3Constants.Version, PortmapProtocol.Tcp, 9999)));
        }

        var failed = await FailAsync(server, Recovery.Guest("stay"), SessionPhase.Initialization, "Check the mount server");
        Assert.Contains($"Portmap on port {portmapPort} answers port 9999 for NFS, not the mount server's port", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_QEMU_fails_at_the_host_check_and_says_which_package_to_install()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), "--qemu", "/nonexistent/qemu-system-x86_64");
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var failed = await FailAsync(server, Recovery.Guest("stay"), SessionPhase.Initialization, "Check the host");
        Assert.Contains("qemu-system-x86", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_that_never_answers_fails_after_the_timeout_and_is_cleaned_up()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var request = Recovery.Guest("stay") with { ReadyWhen = "console:A LINE THE GUEST NEVER PRINTS", ReadyTimeoutSeconds = 4 };
        var failed = await FailAsync(server, request, SessionPhase.RegisteringAndStarting, "Wait for the guest");
        Assert.Contains("A LINE THE GUEST NEVER PRINTS", failed.Error, StringComparison.Ordinal);
        Assert.Contains(failed.Steps, s => s.Phase == SessionPhase.Stop && s.Name == "Power off the VM" && s.Result == StepResult.Ok);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }

    /// <summary>Recovers, expects failure at <paramref name="step"/>, and checks nothing is left.</summary>
    private static async Task<SessionView> FailAsync(ServerProcess server, RecoveryRequest request, SessionPhase phase, string step)
    {
        var session = await server.RecoverAsync(request);
        var failed = await server.WaitForEndAsync(session.Id, FailTimeout);
        Assert.True(failed.State == SessionState.Failed, $"{failed.State}{Environment.NewLine}{ServerProcess.Describe(failed)}");
        var failedStep = Assert.Single(failed.Steps, s => s.Result == StepResult.Failed);
        Assert.Equal((phase, step), (failedStep.Phase, failedStep.Name));
        Assert.Equal(phase, failed.Phase);
        Assert.Equal(failedStep.Message, failed.Error);
        Assert.EndsWith(".", failed.Error, StringComparison.Ordinal);
        await Leftovers.AssertNoneAsync(server, failed);
        return failed;
    }
}
