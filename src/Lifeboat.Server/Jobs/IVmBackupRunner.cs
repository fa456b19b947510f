namespace Lifeboat.Server.Jobs;

/// <summary>Runs one whole backup of a VM into a repository: what a job run does before retention.</summary>
public interface IVmBackupRunner
{
    /// <exception cref="VmBackupException">The backup failed; the message says why and what to do.</exception>
    Task<VmBackupResult> RunAsync(VmBackupRequest request, CancellationToken cancellationToken);
}
