using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// The test guest running in mode <c>records</c> (it appends numbered 4 KiB records to /data/records without end)
/// with its guest agent, a qcow2 overlay as its boot disk and a raw data disk of random bytes it never writes. Shared
/// by the live backup tests of a class (a TCG boot takes about 10 s). The fixture holds no QMP connection, so
/// `lifeboat backup --qmp` can take QEMU's one monitor; tests connect in between with <see cref="ConnectQmpAsync"/>.
/// </summary>
public sealed class LiveVm : IAsyncLifetime
{
    public const string Name = "live-guest";
    public const string RecordMarker = "LIFEBOAT-GUEST-RECORD";
    public const int RecordBytes = 4096;
    public const long DataDiskBytes = 192L * 1024 * 1024;

    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly TestFolder _folder = new();

    public GuestImage Image { get; } = new();

    public string Overlay => _folder.Combine("boot.qcow2");

    public string DataDisk => _folder.Combine("data.raw");

    public string Runtime => _folder.Combine("vm");

    public QemuVmPaths Paths => new(Runtime);

    public string Combine(string name) => _folder.Combine(name);

    public async Task InitializeAsync()
    {
        await Tools.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", Image.RawDisk, "-F", "raw", Overlay).ContinueWith(t => t.Result.ShouldSucceed());
        var random = new Random(20261203);
        var block = new byte[1024 * 1024];
        await using (var data = File.Create(DataDisk))
        {
            for (long written = 0; written < DataDiskBytes; written += block.Length)
            {
                random.NextBytes(block);
                await data.WriteAsync(block);
            }
        }

        await StartAsync();
    }

    /// <summary>Quits QEMU (the guest gets no shutdown) and starts it again on the same disks: what a host reboot does to a VM.</summary>
    public async Task RestartAsync()
    {
        await using (var vm = await QemuVm.AttachAsync(Runtime))
        {
            await vm.QuitAsync(ShutdownTimeout);
        }

        await StartAsync();
    }

    public Task<QmpClient> ConnectQmpAsync() => QmpClient.ConnectAsync(Paths.QmpSocket);

    /// <summary>The number of the last record the guest reported as synced, from its console log.</summary>
    public long LastRecord => GuestRecords.Last(Paths.SerialLog, RecordMarker);

    public async Task WaitForMoreRecordsAsync(int count)
    {
        long target = LastRecord + count;
        var deadline = DateTime.UtcNow + BootTimeout;
        while (LastRecord < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the guest did not write record {target} in time");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Writes <paramref name="mebibytes"/> MiB of random bytes to a file in the guest and syncs, through the agent.</summary>
    public async Task WriteInGuestAsync(string file, int mebibytes)
    {
        await using var agent = await QemuGuestAgentClient.ConnectAsync(Paths.GuestAgentSocket);
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
            await Task.Delay(PollInterval);
        }
    }

    public async Task DisposeAsync()
    {
        if (QemuProcess.ReadPidFile(Paths.PidFile) is { } pid)
        {
            QemuProcess.Kill(pid, Paths.PidFile);
            var deadline = DateTime.UtcNow + ShutdownTimeout;
            while (QemuProcess.IsRunning(pid) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(PollInterval);
            }
        }

        _folder.Dispose();
    }

    private async Task StartAsync()
    {
        var description = new QemuVmDescription
        {
            Name = Name,
            MemoryMiB = Image.MemoryMiB,
            Disks = [new QemuDisk(Overlay) { Format = QemuDiskFormat.Qcow2 }, new QemuDisk(DataDisk)],
            GuestAgent = true,
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "records" },
        };
        await using var vm = await new QemuLauncher().StartAsync(description, Runtime);
        await vm.WaitForConsoleAsync(RecordMarker, BootTimeout);
        await vm.WaitForAgentAsync(AgentTimeout);
    }
}
