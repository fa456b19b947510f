namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// The runtime files of one VM, all in one folder: they let another process attach to the VM later.
/// </summary>
public sealed record QemuVmPaths(string RuntimeDirectory)
{
    public string QmpSocket => Path.Combine(RuntimeDirectory, "qmp.sock");

    /// <summary>The host end of the guest agent channel; QEMU creates it only for a VM that has one.</summary>
    public string GuestAgentSocket => Path.Combine(RuntimeDirectory, "qga.sock");

    /// <summary>A UEFI VM's own variable store (boot entries and settings), copied from OVMF's template at first start.</summary>
    public string EfiVariables => Path.Combine(RuntimeDirectory, "efi-vars.fd");

    /// <summary>Written by QEMU once it runs, removed by QEMU when it exits.</summary>
    public string PidFile => Path.Combine(RuntimeDirectory, "qemu.pid");

    /// <summary>Everything the guest writes to its first serial port; the previous run's is kept as <c>serial.log.1</c>.</summary>
    public string SerialLog => Path.Combine(RuntimeDirectory, "serial.log");

    /// <summary>QEMU's own messages (its stderr once daemonized); the previous run's is kept as <c>qemu.log.1</c>.</summary>
    public string QemuLog => Path.Combine(RuntimeDirectory, "qemu.log");

    /// <summary>The VM's name and QEMU command line, for attaching and for people debugging.</summary>
    public string Metadata => Path.Combine(RuntimeDirectory, "vm.json");
}
