using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// A QEMU started with its CPUs stopped and no disks (<see cref="QemuLauncher.StartPausedAsync"/>), then given its
/// disks over QMP (<c>blockdev-add</c>, <c>device_add</c>) and let run: QEMU's own start (process, machine, firmware,
/// devices) is done while the disks are still being published, and the first instruction runs once they are there.
/// </summary>
public static class QemuPausedStart
{
    /// <summary>The run state of a QEMU started with <c>-S</c> that has never run.</summary>
    public const string Prelaunch = "prelaunch";

    /// <summary>The metadata field (<see cref="QemuVmPaths.Metadata"/>) listing the disks attached over QMP, as command-line options.</summary>
    public const string AttachedDisksField = "attachedDisks";

    private const int MaxMetadataBytes = 1024 * 1024;

    /// <summary>
    /// Why <paramref name="vm"/> cannot start paused and get its disks later, or null when it can: its disks must be
    /// hot-pluggable before the first instruction (virtio or SCSI on the i440FX machine's PCI bus; IDE cannot be).
    /// </summary>
    public static string? WhyNot(QemuVmDescription vm)
    {
        if (vm.Disks.Count == 0)
            return "it has no disks";
        if (vm.MachineType != "pc" && !vm.MachineType.StartsWith("pc-i440fx", StringComparison.Ordinal))
            return $"its machine type {vm.MachineType} takes no disks on its root bus after it starts";
        return vm.Disks.Any(d => d.Bus == QemuDiskBus.Ide) ? "IDE disks cannot be attached to a started machine" : null;
    }

    /// <summary>
    /// Attaches <paramref name="description"/>'s disks to <paramref name="vm"/>, still paused, resets the machine so
    /// that the firmware's boot order includes them, and lets the CPUs run (<c>cont</c>). Returns what it did.
    /// </summary>
    /// <exception cref="QemuException">QEMU refused a disk, or the VM is not a paused QEMU that never ran.</exception>
    public static async Task<string> RunAsync(QemuVm vm, QemuVmDescription description, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var status = await vm.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
        if (status.Status != Prelaunch)
            throw new QemuException($"VM {vm.Name} is {status.Status}, not a QEMU started paused that never ran; stop it and start it again.");
        var qmp = vm.Qmp;
        for (var index = 0; index < description.Disks.Count; index++)
        {
            var disk = description.Disks[index];
            try
            {
                await qmp.ExecuteAsync("blockdev-add", QemuBlockdev.Build(disk, QemuCommandLine.DiskNodeName(index)), cancellationToken).ConfigureAwait(false);
                await qmp.ExecuteAsync("device_add", QemuDiskDevice.Arguments(description, index), cancellationToken).ConfigureAwait(false);
            }
            catch (QmpException e)
            {
                throw new QemuException($"QEMU of VM {vm.Name} could not open disk {index} ({disk.Source}): {e.Description.TrimEnd('.')}; check that it is published and readable, then start the VM again.", e);
            }
        }

        // The firmware's boot order (fw_cfg bootorder) is built at reset, so the disks' bootindex counts only after one.
        await qmp.ExecuteAsync("system_reset", cancellationToken: cancellationToken).ConfigureAwait(false);
        await qmp.ExecuteAsync("cont", cancellationToken: cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        RecordDisks(vm.Paths, description);
        return $"{description.Disks.Count} disk(s) attached over QMP and the CPUs resumed in {seconds.ToString("0.000", CultureInfo.InvariantCulture)} s";
    }

    /// <summary>Adds the disks, as the command-line options that would have given them at start, to the VM's metadata for whoever debugs it.</summary>
    private static void RecordDisks(QemuVmPaths paths, QemuVmDescription description)
    {
        if (BoundedFile.ReadStart(paths.Metadata, MaxMetadataBytes) is not { } text || JsonNode.Parse(text) is not JsonObject metadata)
            return;
        var options = Enumerable.Range(0, description.Disks.Count).SelectMany(i => QemuCommandLine.DiskArguments(description, i));
        metadata[AttachedDisksField] = new JsonArray([.. options.Select(o => (JsonNode?)JsonValue.Create(o))]);
        File.WriteAllText(paths.Metadata, metadata.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
