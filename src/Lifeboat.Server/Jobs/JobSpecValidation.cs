using System.Text.RegularExpressions;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Jobs;

/// <summary>Checks a job's definition and fills in its defaults: absolute paths, the canonical schedule, the repository.</summary>
public static partial class JobSpecValidation
{
    public const int DefaultRetries = 2;
    public const int MaxRetries = 10;
    public const int MaxKeepLast = 10_000;

    /// <exception cref="InvalidJobSpecException">The definition is not valid; the message says which option and why.</exception>
    public static JobSpec Normalize(JobSpec spec, RepositoryRegistry repositories)
    {
        if (spec.Name is null || !NamePattern().IsMatch(spec.Name))
            throw new InvalidJobSpecException(JobSpecField.Name, $"Job name '{spec.Name}' must be 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit.");
        if (!VmName.TryValidate(spec.Vm, JobSpecField.Vm, out var vmProblem))
            throw new InvalidJobSpecException(JobSpecField.Vm, vmProblem);
        if (spec.KeepLast is < 1 or > MaxKeepLast)
            throw new InvalidJobSpecException(JobSpecField.KeepLast, $"--keep-last must be between 1 and {MaxKeepLast}: the number of the VM's newest restore points to keep.");
        var retries = spec.Retries ?? DefaultRetries;
        if (retries is < 0 or > MaxRetries)
            throw new InvalidJobSpecException(JobSpecField.Retries, $"--retries must be between 0 and {MaxRetries}.");
        if (spec.Verify is not null and not JobSpec.VerifyBoot)
            throw new InvalidJobSpecException(JobSpecField.Verify, $"--verify '{spec.Verify}' is not a verification Lifeboat runs; give --verify boot, or leave it out.");
        if (spec.VerifyHost is not null && spec.Verify is null)
            throw new InvalidJobSpecException(JobSpecField.Verify, $"--host {spec.VerifyHost} names where verifications boot, and the job verifies nothing; add --verify boot, or leave --host out.");
        if (spec.VerifyHost is not null && Security.AccountName.Problem(spec.VerifyHost, "host") is { } hostProblem)
            throw new InvalidJobSpecException(JobSpecField.Verify, "--host " + hostProblem);
        JobSchedule schedule;
        try
        {
            schedule = JobSchedule.Parse(spec.Schedule);
        }
        catch (ArgumentException e)
        {
            throw new InvalidJobSpecException(JobSpecField.Schedule, e.Message, e);
        }

        return spec with
        {
            Source = Normalize(spec.Source),
            Schedule = schedule.ToString(),
            Retries = retries,
            Repository = Repository(spec.Repository, repositories),
        };
    }

    private static JobSource Normalize(JobSource? source)
    {
        const string Sources = "give the VM's source: --qmp SOCKET, --libvirt DOMAIN or --disk PATH";
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
            JobSourceKind.Qmp => throw new InvalidJobSpecException(JobSpecField.Source, $"--qmp needs the path of the VM's QMP socket; {Sources}."),
            JobSourceKind.Libvirt => throw new InvalidJobSpecException(JobSpecField.Source, $"--libvirt needs the domain's name; {Sources}."),
            JobSourceKind.Disks => throw new InvalidJobSpecException(JobSpecField.Source, $"--disk needs the path of each disk image; {Sources}."),
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
        if (HostPath.Problem(path, JobSpecField.Repository) is { } problem)
            throw new InvalidJobSpecException(JobSpecField.Repository, problem);
        var full = Path.GetFullPath(path);
        try
        {
            repositories.Register(full);
            return full;
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidJobSpecException(JobSpecField.Repository, $"--repo {path} cannot be used: {e.Message.TrimEnd('.')}; create it with `lifeboat repo init` or give another folder.", e);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
