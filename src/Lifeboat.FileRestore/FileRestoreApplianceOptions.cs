namespace Lifeboat.FileRestore;

/// <summary>How file-restore appliances are started and how many may run at once.</summary>
public sealed record FileRestoreApplianceOptions
{
    /// <summary>
    /// Whether the appliance may use KVM. Give what the host's QEMU accelerator detection found (QemuAccelerator): where
    /// /dev/kvm exists but cannot run guests, libguestfs must be told to use TCG or QEMU aborts.
    /// </summary>
    public required bool Kvm { get; init; }

    /// <summary>The appliance's memory (libguestfs memsize), in MiB.</summary>
    public int MemoryMegabytes { get; init; } = 512;

    /// <summary>
    /// What one appliance costs beyond its memory (QEMU itself, its TCG code cache, the server's buffers), in MiB; when
    /// null, 768 under TCG (measured: a 512 MiB appliance's QEMU held 1,250 MiB resident after a session's listings,
    /// bench/file-restore) and 192 under KVM.
    /// </summary>
    public int? OverheadMegabytes { get; init; }

    /// <summary>The memory all appliances together may take, in MiB; one more is refused beyond it.</summary>
    public int BudgetMegabytes { get; init; } = 4096;

    /// <summary>An appliance unused this long is shut down.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Where folder listings are spooled while they are sorted (ls0 and find0 write files); the system's temp folder when null.</summary>
    public string? SpoolFolder { get; init; }

    /// <summary>What one appliance reserves of <see cref="BudgetMegabytes"/>.</summary>
    public int ReservedMegabytes => MemoryMegabytes + (OverheadMegabytes ?? (Kvm ? 192 : 768));
}
