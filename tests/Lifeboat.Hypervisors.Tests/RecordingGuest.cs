using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// One booted test guest in mode <c>records</c> (it appends numbered records to its disk without end) with its guest
/// agent, shared by the live backup tests of a class: a TCG boot takes about 10 s.
/// </summary>
public sealed class RecordingGuest : IAsyncLifetime
{
    public const string RecordMarker = "LIFEBOAT-GUEST-RECORD";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private readonly TestDirectory _folder = new();

    public GuestImage Image { get; } = new();

    public QemuVm Vm { get; private set; } = null!;

    public string Overlay { get; private set; } = "";

    public string Combine(string name) => _folder.Combine(name);

    public async Task InitializeAsync()
    {
        Overlay = await Image.CreateOverlayAsync(_folder.Path);
        Vm = await new QemuLauncher().StartAsync(
            new QemuVmDescription
            {
                Name = "live-guest",
                MemoryMiB = Image.MemoryMiB,
                Disks = [new QemuDisk(Overlay) { Format = QemuDiskFormat.Qcow2 }],
                GuestAgent = true,
                FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "records" },
            },
            _folder.Combine("vm"));
        await Vm.WaitForConsoleAsync(RecordMarker, BootTimeout);
        await Vm.WaitForAgentAsync(AgentTimeout);
    }

    /// <summary>The number of the last record the guest reported as synced, from its console log.</summary>
    public long LastRecord => GuestRecords.Last(Vm.Paths.SerialLog, RecordMarker);

    /// <summary>Waits until the guest has synced <paramref name="count"/> more records than now.</summary>
    public async Task WaitForMoreRecordsAsync(int count)
    {
        long target = LastRecord + count;
        var deadline = DateTime.UtcNow + BootTimeout;
        while (LastRecord < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the guest did not write record {target} in time");
            await Task.Delay(100);
        }
    }

    /// <summary>Writes <paramref name="mebibytes"/> MiB of random data into the guest's file system, synced, through the agent.</summary>
    public async Task WriteInGuestAsync(string file, int mebibytes)
    {
        await using var agent = await QemuGuestAgentClient.ConnectAsync(Vm.Paths.GuestAgentSocket);
        var started = await agent.ExecuteAsync("guest-exec", new JsonObject
        {
            ["path"] = "/bin/sh",
            ["arg"] = new JsonArray("-c", $"dd if=/dev/urandom of={file} bs=1M count={mebibytes} conv=fsync 2>/dev/null && sync"),
        }, AgentTimeout);
        var pid = started!["pid"]!.GetValue<long>();
        var deadline = DateTime.UtcNow + BootTimeout;
        while (true)
        {
            var status = await agent.ExecuteAsync("guest-exec-status", new JsonObject { ["pid"] = pid }, AgentTimeout);
            if (status?["exited"]?.GetValue<bool>() == true)
            {
                Assert.Equal(0, status["exitcode"]?.GetValue<int>());
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"writing {file} in the guest did not end in time");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (Vm is not null)
        {
            await Vm.QuitAsync(ShutdownTimeout);
            await Vm.DisposeAsync();
        }

        _folder.Dispose();
    }
}
