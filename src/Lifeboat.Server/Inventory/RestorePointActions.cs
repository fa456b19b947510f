using Lifeboat.Repository;
using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Inventory;

/// <summary>
/// Deleting, protecting and unprotecting a restore point by its id, in whichever registered repository holds it: what
/// the REST API and the console both call. A restore point a session publishes, or that a starting recovery may be
/// about to publish (<see cref="RetentionGate"/>), is not deleted; the repository's lock refuses the rest of what is
/// in use (a backup writing, a file-level restore reading).
/// </summary>
public sealed class RestorePointActions(RepositoryRegistry registry, SessionManager sessions, RetentionGate retention)
{
    /// <exception cref="LifeboatException">No registered repository holds it.</exception>
    public LocatedRestorePoint Find(string id) =>
        registry.ListRestorePoints().FirstOrDefault(p => string.Equals(p.RestorePoint.Id, id, StringComparison.Ordinal))
        ?? throw LifeboatException.NotFound($"No registered repository has restore point {id}.", "id");

    /// <exception cref="LifeboatException">No registered repository holds it.</exception>
    /// <exception cref="LifeboatException">It is protected, published, or its repository is in use; the message says which.</exception>
    public async Task<RestorePointDeletedView> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var located = Find(id);
        if (located.RestorePoint.Protected)
            throw LifeboatException.Conflict($"Restore point {id} is protected; unprotect it first.");
        var user = sessions.List().Select(s => s.Session).FirstOrDefault(s => !s.IsFinal && string.Equals(s.RestorePointId, id, StringComparison.Ordinal));
        if (user is not null)
            throw LifeboatException.Conflict($"Restore point {id} is in use by session {user.Id}; delete it once that session has ended.");
        using var gate = retention.TryEnterRetention()
            ?? throw LifeboatException.Conflict($"An instant recovery is starting or retention is running; delete restore point {id} once it has.");
        try
        {
            using var repository = RepositoryRegistry.Open(located.RepositoryPath);
            var result = await repository.DeleteRestorePointAsync(id, cancellationToken).ConfigureAwait(false);
            return new RestorePointDeletedView(id, located.RestorePoint.Vm, located.RepositoryPath, result.PacksDeleted, result.PacksRewritten, result.BytesFreed);
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
        {
            throw LifeboatException.Conflict(e.Message, null, e);
        }
    }

    /// <exception cref="LifeboatException">No registered repository holds it.</exception>
    /// <exception cref="LifeboatException">Its repository is busy (retention runs) or cannot be written.</exception>
    public LocatedRestorePoint SetProtected(string id, bool protect)
    {
        var located = Find(id);
        try
        {
            using var repository = RepositoryRegistry.Open(located.RepositoryPath);
            return located with { RestorePoint = repository.SetProtected(id, protect) };
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
        {
            throw LifeboatException.Conflict(e.Message, null, e);
        }
    }
}
