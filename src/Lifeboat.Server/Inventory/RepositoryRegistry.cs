using Lifeboat.Repository;
using Lifeboat.Server.Data;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Inventory;

/// <summary>The registered repositories, and the restore points of a VM across all of them.</summary>
public sealed class RepositoryRegistry(RepositoryStore store)
{
    /// <summary>Encrypted repositories are opened with the password the server was started with (its LIFEBOAT_PASSWORD).</summary>
    private static string? Password => Environment.GetEnvironmentVariable(BackupRepository.PasswordEnvironmentVariable);

    public IReadOnlyList<RegisteredRepository> List() => store.List();

    public string DefaultPath => store.List().FirstOrDefault(r => r.IsDefault)?.Path
        ?? throw new LifeboatException(LifeboatErrorReason.Unavailable, "The server has no default repository; it registers one when it starts.");

    /// <summary>Registers the existing repository at a path a request gave; false when it already was.</summary>
    /// <param name="field">How the refusal names the path: the REST field, the form's label.</param>
    /// <exception cref="LifeboatException">No path, or no readable repository there: the sentence says which and the fix.</exception>
    public (bool Added, RegisteredRepository Repository) Add(string? path, string field)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw LifeboatException.Invalid(field, $"Give {field}: the folder of an existing repository on the server's machine.");
        if (HostPath.Problem(path, field) is { } problem)
            throw LifeboatException.Invalid(field, problem);
        var fullPath = RepositoryUnregistration.Canonical(path);
        try
        {
            var added = Register(fullPath);
            return (added, List().First(r => r.Path == fullPath));
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw LifeboatException.Invalid(field, $"{fullPath} cannot be registered: {e.Message}", e);
        }
    }

    /// <summary>Registers an existing repository; returns false when it already was.</summary>
    /// <exception cref="RepositoryException">There is no readable repository at <paramref name="path"/>.</exception>
    public bool Register(string path)
    {
        var fullPath = RepositoryUnregistration.Canonical(path);
        using (BackupRepository.Open(fullPath, Password))
        {
        }

        return store.Add(fullPath, isDefault: false);
    }

    /// <summary>Restore points (of <paramref name="vm"/> when given) in every registered repository, oldest first.</summary>
    public IReadOnlyList<LocatedRestorePoint> ListRestorePoints(string? vm = null)
    {
        var found = new List<LocatedRestorePoint>();
        foreach (var repository in store.List())
        {
            try
            {
                using var opened = BackupRepository.Open(repository.Path, Password);
                found.AddRange(opened.ListRestorePoints(vm).Select(point => new LocatedRestorePoint(repository.Path, point)));
            }
            catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
            {
                // One unreachable repository must not hide the others; the session's own check names it.
            }
        }

        return [.. found.OrderBy(p => p.RestorePoint.Time)];
    }

    /// <summary>The restore point <paramref name="idOrLatest"/> (null: latest) of <paramref name="vm"/>, in whichever repository holds it.</summary>
    /// <exception cref="SessionStepException">No registered repository has it.</exception>
    public LocatedRestorePoint Find(string vm, string? idOrLatest)
    {
        var points = ListRestorePoints(vm);
        if (points.Count == 0)
        {
            var known = ListRestorePoints().Select(p => p.RestorePoint.Vm).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            throw new SessionStepException(known.Count == 0
                ? $"No registered repository has a restore point of VM '{vm}' (none has any); back the VM up first, or register its repository."
                : $"No registered repository has a restore point of VM '{vm}'; the VMs with restore points are: {string.Join(", ", known)}.");
        }

        if (string.IsNullOrEmpty(idOrLatest) || idOrLatest.Equals("latest", StringComparison.OrdinalIgnoreCase))
            return points[^1];
        var matches = points.Where(p => p.RestorePoint.Id.StartsWith(idOrLatest, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SessionStepException(
                $"VM '{vm}' has no restore point '{idOrLatest}'; give one of its restore points or 'latest'."),
            _ => throw new SessionStepException($"'{idOrLatest}' matches {matches.Count} restore points of VM '{vm}'; give more of the id."),
        };
    }

    public static BackupRepository Open(string path) => BackupRepository.Open(path, Password);
}
