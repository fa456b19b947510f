using System.Text.RegularExpressions;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Jobs;

/// <summary>Checks a job's definition and fills in its defaults: absolute paths, the canonical schedule, the repository.</summary>
public static partial class JobSpecValidation
{
    public const int DefaultRetries = 2;
    public const int MaxRetries = 10;
    public const int MaxKeepLast = 10_000;

    /// <exception cref="InvalidJobSpecException">The definition is not valid; it holds every field's problem, each in words of its own (no CLI flags).</exception>
    public static JobSpec Normalize(JobSpec spec, RepositoryRegistry repositories)
    {
        var problems = new List<FieldProblem>();
        void Problem(string field, string message) => problems.Add(new FieldProblem(field, message));

        if (spec.Name is null || !NamePattern().IsMatch(spec.Name))
            Problem(JobSpecField.Name, $"Job name '{spec.Name}' must be 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit.");
        if (!VmName.TryValidate(spec.Vm, "VM", out var vmProblem))
            Problem(JobSpecField.Vm, vmProblem);
        if (spec.KeepLast is < 1 or > MaxKeepLast)
            Problem(JobSpecField.KeepLast, $"The number of restore points to keep must be between 1 and {MaxKeepLast}: the VM's newest are kept.");
        var retries = spec.Retries ?? DefaultRetries;
        if (retries is < 0 or > MaxRetries)
            Problem(JobSpecField.Retries, $"Retries must be between 0 and {MaxRetries}.");
        if (spec.Verify is not null and not JobSpec.VerifyBoot)
            Problem(JobSpecField.Verify, $"Verification '{spec.Verify}' is not one Lifeboat runs: it verifies by booting ({JobSpec.VerifyBoot}), or not at all.");
        else if (spec.VerifyHost is not null && spec.Verify is null)
            Problem(JobSpecField.Verify, $"Host {spec.VerifyHost} is where verifications boot, and the job verifies nothing; verify by booting, or name no host.");
        else if (spec.VerifyHost is not null && Security.AccountName.Problem(spec.VerifyHost, "host") is { } hostProblem)
            Problem(JobSpecField.Verify, "The verification's " + hostProblem);
        JobSchedule? schedule = null;
        try
        {
            schedule = JobSchedule.Parse(spec.Schedule);
        }
        catch (ArgumentException e)
        {
            Problem(JobSpecField.Schedule, e.Message);
        }

        JobSource? source = null;
        try
        {
            source = Normalize(spec.Source);
        }
        catch (InvalidJobSpecException e)
        {
            problems.AddRange(e.Problems);
        }

        if (!string.IsNullOrWhiteSpace(spec.Repository) && HostPath.Problem(spec.Repository, JobSpecField.Repository) is { } repositoryProblem)
            Problem(JobSpecField.Repository, repositoryProblem);
        if (problems.Count > 0)
            throw new InvalidJobSpecException(problems);

        return spec with
        {
            Source = source!,
            Schedule = schedule!.ToString(),
            Retries = retries,
            Repository = Repository(spec.Repository, repositories),
        };
    }

    private static JobSource Normalize(JobSource? source)
    {
        const string Sources = "give the VM's source: a running QEMU VM's QMP socket, a libvirt domain, or its disk image files";
        foreach (var path in new[] { source?.QmpSocket, source?.GuestAgentSocket }.Concat(source?.DiskPaths ?? []).Where(p => p is not null))
        {
            if (HostPath.Problem(path, "source") is { } problem)
                throw new InvalidJobSpecException(JobSpecField.Source, problem);
        }

        return source?.Kind switch
        {
            JobSourceKind.Qmp when !string.IsNullOrWhiteSpace(source.QmpSocket) => new JobSource(
                JobSourceKind.Qmp,
                QmpSocket: Path.GetFullPath(source.QmpSocket),
                GuestAgentSocket: string.IsNullOrWhiteSpace(source.GuestAgentSocket) ? null : Path.GetFullPath(source.GuestAgentSocket)),
            JobSourceKind.Libvirt when !string.IsNullOrWhiteSpace(source.LibvirtDomain) => new JobSource(
                JobSourceKind.Libvirt,
                LibvirtDomain: source.LibvirtDomain,
                ConnectUri: string.IsNullOrWhiteSpace(source.ConnectUri) ? null : ConnectUri(source.ConnectUri)),
            JobSourceKind.Disks when source.DiskPaths is { Count: > 0 } disks && disks.All(d => !string.IsNullOrWhiteSpace(d)) => new JobSource(
                JobSourceKind.Disks,
                DiskPaths: [.. disks.Select(Path.GetFullPath)]),
            JobSourceKind.Qmp => throw new InvalidJobSpecException(JobSpecField.Source, $"A QEMU source needs the path of the VM's QMP socket; {Sources}."),
            JobSourceKind.Libvirt => throw new InvalidJobSpecException(JobSpecField.Source, $"A libvirt source needs the domain's name; {Sources}."),
            JobSourceKind.Disks => throw new InvalidJobSpecException(JobSpecField.Source, $"A disk source needs the path of each disk image; {Sources}."),
            _ => throw new InvalidJobSpecException(JobSpecField.Source, $"A job needs one source; {Sources}."),
        };
    }

    private static string ConnectUri(string uri) =>
        LibvirtUri.TryValidate(uri, "source.connectUri", out var problem) ? uri : throw new InvalidJobSpecException(JobSpecField.Source, problem);

    /// <summary>The server's own repository when none is given; any other is registered, so sessions find its restore points.</summary>
    private static string Repository(string? path, RepositoryRegistry repositories)
    {
        if (string.IsNullOrWhiteSpace(path))
            return repositories.DefaultPath;
        var full = Path.GetFullPath(path);
        try
        {
            repositories.Register(full);
            return full;
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidJobSpecException(JobSpecField.Repository, $"Repository {path} cannot be used: {e.Message.TrimEnd('.')}; make a repository there first, or give another folder.", e);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
