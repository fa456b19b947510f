using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository.Manifests;

/// <summary>
/// Which restore points are protected: a marker file <c>restore-points/ID.protected</c> beside the manifest, kept in the
/// repository itself so that retention run straight on it (without a server) honours it too. The marker's presence is
/// the whole state: it is written in <c>tmp/</c>, fsynced and renamed into place (then the folder fsynced), and removed
/// by one unlink (then the folder fsynced), so a crash leaves a restore point protected or not, never in between; a
/// staged marker left in <c>tmp/</c> counts for nothing (garbage collection deletes it). Markers carry no content, so
/// there is nothing in one to tear or to checksum. Callers hold the repository lock, shared or exclusive.
/// </summary>
internal sealed class RestorePointProtection(RepositoryLayout layout)
{
    public bool IsProtected(string id) => File.Exists(layout.ProtectionPath(id));

    /// <summary>The ids of every protected restore point, read at once for a listing.</summary>
    public HashSet<string> ProtectedIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(layout.RestorePointsDirectory, "*" + RepositoryLayout.ProtectionExtension))
        {
            string id = Path.GetFileNameWithoutExtension(file);
            if (RestorePointId.IsValid(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    public void Set(string id, bool protect)
    {
        if (protect == IsProtected(id))
        {
            return;
        }

        if (protect)
        {
            string staged = layout.StagedProtectionPath(id);
            DurableFile.TryDelete(staged);
            DurableFile.WriteNew(staged, []);
            DurableFile.Commit(staged, layout.ProtectionPath(id));
        }
        else
        {
            File.Delete(layout.ProtectionPath(id));
            DurableFile.SyncDirectory(layout.RestorePointsDirectory);
        }
    }
}
