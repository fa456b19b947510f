using Lifeboat.Server.Contracts.Jobs;

namespace Lifeboat.Server.WebConsole;

/// <summary>What the job form's fields hold, for adding a job or editing one: to and from a <see cref="JobSpec"/>.</summary>
public sealed class JobFormModel
{
    public string Name { get; set; } = "";

    public string Vm { get; set; } = "";

    public JobSourceKind Kind { get; set; } = JobSourceKind.Disks;

    /// <summary>The QMP socket, the libvirt domain, or the disk files one a line.</summary>
    public string Source { get; set; } = "";

    public string Schedule { get; set; } = "daily 02:00";

    public int KeepLast { get; set; } = 7;

    public int? Retries { get; set; }

    public string Repository { get; set; } = "";

    public bool Verify { get; set; }

    /// <summary>Kept as it is: what the form does not show (the guest agent's socket, libvirt's URI, the verification host, enabled).</summary>
    private JobSpec? _edited;

    public static JobFormModel From(JobSpec spec) => new()
    {
        _edited = spec,
        Name = spec.Name,
        Vm = spec.Vm,
        Kind = spec.Source.Kind,
        Source = spec.Source.Kind switch
        {
            JobSourceKind.Qmp => spec.Source.QmpSocket ?? "",
            JobSourceKind.Libvirt => spec.Source.LibvirtDomain ?? "",
            _ => string.Join('\n', spec.Source.DiskPaths ?? []),
        },
        Schedule = spec.Schedule,
        KeepLast = spec.KeepLast,
        Retries = spec.Retries,
        Repository = spec.Repository ?? "",
        Verify = spec.Verify is not null,
    };

    public JobSpec ToSpec()
    {
        var source = Source.Trim();
        var kept = _edited?.Source is { } old && old.Kind == Kind ? old : null;
        var jobSource = Kind switch
        {
            JobSourceKind.Qmp => new JobSource(JobSourceKind.Qmp, QmpSocket: source, GuestAgentSocket: kept?.GuestAgentSocket),
            JobSourceKind.Libvirt => new JobSource(JobSourceKind.Libvirt, LibvirtDomain: source, ConnectUri: kept?.ConnectUri),
            _ => new JobSource(JobSourceKind.Disks, DiskPaths: source.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
        };
        var verify = Verify ? JobSpec.VerifyBoot : null;
        return new JobSpec(Name.Trim(), Vm.Trim(), jobSource, Schedule.Trim(), KeepLast, string.IsNullOrWhiteSpace(Repository) ? null : Repository.Trim(), Retries, verify,
            verify is null ? null : _edited?.VerifyHost, _edited?.Enabled ?? true);
    }
}
