using Lifeboat.Server.Contracts.Jobs;

namespace Lifeboat.Server.Jobs;

/// <param name="RepositoryPath">The repository the restore point goes into.</param>
/// <param name="Vm">The VM's name in the repository.</param>
/// <param name="WorkDirectory">A folder of the job's own for what a live backup keeps while it runs (fleecing images, NBD socket).</param>
public sealed record VmBackupRequest(string RepositoryPath, string Vm, JobSource Source, string WorkDirectory)
{
    /// <summary>Told how far the backup has read, every second or so; null: nobody asks.</summary>
    public IProgress<Lifeboat.Repository.BackupProgress>? Progress { get; init; }
}
