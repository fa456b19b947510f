namespace Lifeboat.Hypervisors.Qemu;

/// <summary>The guest's network card, on QEMU's user-mode network; <see cref="None"/> gives the VM no network.</summary>
public enum QemuNicModel
{
    None,
    VirtioNet,
    E1000,
}
