using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// The local host's migration on a VM that sits in its BIOS with one local raw disk (no guest boots): the production
/// file is created 0600, kept when a restarted server prepares again, mirrored and pivoted to; an abandoned migration
/// deletes the files it created and never one that was there before.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class QemuDiskMigrationTests : IDisposable
{
    private const long DiskBytes = 8L << 20;

    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_mirror_copies_the_disk_to_a_0600_file_kept_across_a_restart_and_the_vm_runs_from_it()
    {
        var source = WriteDisk("source.raw");
        var spec = Spec("mirror", source);
        var target = new ProductionTarget(_folder.Combine("prod"), Qcow2: false, [DiskBytes]);
        await using (var vm = await NewHost().DefineAsync(spec, CancellationToken.None))
        {
            await vm.StartAsync(CancellationToken.None);
            var prepared = await vm.Migration.PrepareAsync(target, CancellationToken.None);
            var production = Assert.Single(vm.Migration.ProductionPaths(target));
            Assert.Equal($"{production} (raw)", prepared);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(production));
        }

        // A restarted server finds the VM and prepares again: the file it created is reused, not refused as foreign.
        await using var again = (await NewHost().FindAsync(spec.RuntimeFolder, spec, CancellationToken.None))!;
        Assert.EndsWith(", kept from before the restart", await again.Migration.PrepareAsync(target, CancellationToken.None), StringComparison.Ordinal);
        long reported = 0;
        var copied = await again.Migration.MirrorAsync((done, total) => reported = total, CancellationToken.None);
        Assert.Equal(DiskBytes, copied);
        Assert.Equal(DiskBytes, reported);
        await again.Migration.PivotAsync(CancellationToken.None);
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(again.Migration.ProductionPaths(target)[0]));
        Assert.True(again.IsRunning);
        Assert.Equal("QEMU quit", await again.PowerOffAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public async Task An_abandoned_migration_deletes_the_files_it_created_and_leaves_a_file_that_was_there()
    {
        var spec = Spec("abandon", WriteDisk("source.raw"));
        await using var vm = await NewHost().DefineAsync(spec, CancellationToken.None);
        await vm.StartAsync(CancellationToken.None);

        var target = new ProductionTarget(_folder.Combine("prod"), Qcow2: true, [DiskBytes]);
        var created = vm.Migration.ProductionPaths(target)[0];
        Assert.EndsWith("abandon-disk0.qcow2", created, StringComparison.Ordinal);
        await vm.Migration.PrepareAsync(target, CancellationToken.None);
        Assert.True(File.Exists(created));
        Assert.Empty(await vm.Migration.AbandonAsync());
        Assert.False(File.Exists(created));

        var foreign = vm.Migration.ProductionPaths(target with { Qcow2 = false })[0];
        await File.WriteAllTextAsync(foreign, "not Lifeboat's");
        var refused = await Assert.ThrowsAsync<HostException>(() => vm.Migration.PrepareAsync(target with { Qcow2 = false }, CancellationToken.None));
        Assert.Equal($"The production file {foreign} already exists; remove it or migrate to another folder.", refused.Message);
        Assert.Empty(await vm.Migration.AbandonAsync());
        Assert.Equal("not Lifeboat's", await File.ReadAllTextAsync(foreign));
        Assert.True(vm.IsRunning);
        await vm.PowerOffAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    private static QemuHost NewHost() => new(QemuAccelerator.DefaultQemuBinary, NullLogger<QemuHost>.Instance);

    private string WriteDisk(string name)
    {
        var path = _folder.Combine(name);
        var bytes = new byte[DiskBytes];
        new Random(17).NextBytes(bytes.AsSpan(0, 1 << 20));
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private HostedVmSpec Spec(string name, string disk) => new()
    {
        Vm = new QemuVmDescription { Name = name, MemoryMiB = 32, Disks = [new QemuDisk(disk)], Accelerator = QemuAcceleratorKind.Tcg },
        SessionId = "s-" + name,
        RestorePointId = "rp",
        RuntimeFolder = _folder.Combine(name),
    };
}
