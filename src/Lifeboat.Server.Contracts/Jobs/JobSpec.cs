namespace Lifeboat.Server.Contracts.Jobs;

/// <summary>What defines a backup job: the body of <c>POST /api/jobs</c>, and what the server keeps.</summary>
/// <param name="Name">The job's name: letters, digits, '.', '-' and '_'.</param>
/// <param name="Vm">The VM's name in the repository (its restore points are found by it).</param>
/// <param name="Schedule">"daily HH:MM" (the server's local time) or "every Nh" / "every Nm".</param>
/// <param name="KeepLast">How many of the VM's newest restore points retention keeps after each successful run.</param>
/// <param name="Repository">The repository folder; null for the server's own. It is registered with the server.</param>
/// <param name="Retries">How many times a failed run is tried again; null for the default.</param>
/// <param name="Verify">"boot": each new restore point is verified by booting it in isolation; null: not verified.</param>
/// <param name="VerifyHost">With <paramref name="Verify"/>: the host it boots on (<c>GET /api/hosts</c>); null: the local QEMU host.</param>
/// <param name="Enabled">False: the job never runs by its schedule nor retries (Run now still runs it).</param>
public sealed record JobSpec(
    string Name,
    string Vm,
    JobSource Source,
    string Schedule,
    int KeepLast,
    string? Repository = null,
    int? Retries = null,
    string? Verify = null,
    string? VerifyHost = null,
    bool Enabled = true)
{
    public const string VerifyBoot = "boot";
}
