using System.Globalization;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The test guest as a production VM: QEMU runs it from a qcow2 copy of its disk (the format whose dirty bitmaps
/// persist), with a QMP socket and its guest agent channel and no NIC, in mode <c>records</c>, in which it appends
/// numbered records to /data/records without end, each synced before it says so on its serial console.
/// </summary>
internal sealed class ProductionGuest : IAsyncDisposable
{
    public const string RuntimeFolder = "production-vm";
    public const string RecordMarker = "LIFEBOAT-GUEST-RECORD";
    private const string Mode = "records";
    private const int MemoryMiB = 256;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PowerOffPatience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly QemuVm _vm;

    private ProductionGuest(QemuVm vm, string disk)
    {
        _vm = vm;
        Disk = disk;
    }

    public string Disk { get; }

    public string QmpSocket => _vm.Paths.QmpSocket;

    public QmpClient Qmp => _vm.Qmp;

    /// <summary>Converts the guest's disk to qcow2 in <paramref name="folder"/>, starts it there, and returns once it writes records and its agent answers.</summary>
    public static async Task<ProductionGuest> StartAsync(TestGuest guest, string folder, CancellationToken ct)
    {
        var disk = Path.Combine(folder, "production-vm-disk0.qcow2");
        await ExternalProgram.RunAsync("qemu-img", ["convert", "-O", "qcow2", guest.RawDisk, disk], "qemu-utils", ct);
        var runtime = Path.Combine(folder, RuntimeFolder);
        var vm = await new QemuLauncher().StartAsync(
            new QemuVmDescription
            {
                Name = guest.Name,
                MemoryMiB = MemoryMiB,
                Disks = [new QemuDisk(disk) { Format = QemuDiskFormat.Qcow2 }],
                GuestAgent = true,
                FirmwareConfig = new Dictionary<string, string>(StringComparer.Ordinal) { [TestGuest.ModeEntry] = Mode },
            },
            runtime,
            ct);
        var production = new ProductionGuest(vm, disk);
        try
        {
            await vm.WaitForConsoleAsync(RecordMarker, BootTimeout, ct);
            await vm.WaitForAgentAsync(AgentTimeout, ct);
        }
        catch
        {
            await production.DisposeAsync();
            throw;
        }

        return production;
    }

    /// <summary>The number of the last record the guest reported as synced, from its serial console.</summary>
    public long LastRecord()
    {
        using var stream = new FileStream(_vm.Paths.SerialLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        long last = 0;
        while (reader.ReadLine() is { } line)
        {
            var at = line.IndexOf(RecordMarker + " ", StringComparison.Ordinal);
            if (at >= 0 && long.TryParse(line.AsSpan(at + RecordMarker.Length + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                last = n;
        }

        return last;
    }

    /// <summary>Waits until the guest has synced <paramref name="count"/> more records than now; returns the last.</summary>
    public async Task<long> WaitForMoreRecordsAsync(int count, CancellationToken ct)
    {
        var target = LastRecord() + count;
        var deadline = DateTime.UtcNow + BootTimeout;
        while (LastRecord() is var last && last < target)
        {
            if (DateTime.UtcNow > deadline)
                throw new CliException($"The production VM did not write record {target} within {BootTimeout.TotalSeconds:0} s (it is at {last}); see {_vm.Paths.SerialLog}.");
            await Task.Delay(Poll, ct);
        }

        return LastRecord();
    }

    /// <summary>The disaster: QEMU is killed as a power cut would stop it.</summary>
    public Task KillAsync() => _vm.KillAsync(CancellationToken.None);

    /// <summary>Nothing of the production VM may outlive the story, whichever way it ends.</summary>
    public async ValueTask DisposeAsync()
    {
        await _vm.DisposeAsync();
        await ProductionVm.PowerOffAsync(_vm.Paths.RuntimeDirectory, PowerOffPatience);
    }
}
