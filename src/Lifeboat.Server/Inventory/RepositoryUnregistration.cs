using Lifeboat.Server.Data;

namespace Lifeboat.Server.Inventory;

/// <summary>
/// Takes a repository off the server's list, never its files; refused for the default repository and for one a job backs
/// up to or a session publishes from, with the fix in the sentence.
/// </summary>
public sealed class RepositoryUnregistration(RepositoryStore repositories, JobStore jobs, SessionStore sessions)
{
    /// <returns>The registered path that was removed.</returns>
    /// <exception cref="LifeboatException">No registered repository is at <paramref name="path"/>.</exception>
    /// <exception cref="LifeboatException">The repository is the default, or a job or a session uses it.</exception>
    public string Unregister(string path)
    {
        var full = Canonical(path);
        var registered = repositories.List().FirstOrDefault(r => r.Path == full)
            ?? throw LifeboatException.NotFound($"No repository is registered at {full}; the registered ones are: {string.Join(", ", repositories.List().Select(r => r.Path))}.");
        if (registered.IsDefault)
            throw LifeboatException.Conflict($"{full} is the server's own repository and stays registered; it holds the backups of jobs that name no other.");
        if (jobs.List().FirstOrDefault(j => j.Spec.Repository is { } used && Canonical(used) == full) is { } job)
            throw LifeboatException.Conflict($"Job {job.Name} backs up to {full}; remove the job, or change its repository, before unregistering it.");
        if (sessions.List().FirstOrDefault(s => !s.IsFinal && s.RepositoryPath is { } used && Canonical(used) == full) is { } session)
            throw LifeboatException.Conflict($"Session {session.Id} ({session.Vm}) publishes from {full}; stop it before unregistering the repository.");
        if (!repositories.Remove(full))
            throw LifeboatException.NotFound($"No repository is registered at {full}.");
        return full;
    }

    /// <summary>The form a path is registered in: absolute, without a trailing separator.</summary>
    public static string Canonical(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
