using Lifeboat.Repository;

namespace Lifeboat.Server.Jobs;

/// <summary>The latest progress a running backup reported, for the dashboard; written by the backup, read by anyone.</summary>
internal sealed class JobRunProgress : IProgress<BackupProgress>
{
    private BackupProgress? _latest;

    public BackupProgress? Latest => Volatile.Read(ref _latest);

    public void Report(BackupProgress value) => Volatile.Write(ref _latest, value);
}
