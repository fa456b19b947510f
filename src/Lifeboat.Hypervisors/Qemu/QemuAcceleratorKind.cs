namespace Lifeboat.Hypervisors.Qemu;

/// <summary>How QEMU runs guest code: hardware virtualization (KVM) or its own translator (TCG).</summary>
public enum QemuAcceleratorKind
{
    Tcg,
    Kvm,
}
