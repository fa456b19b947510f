namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>A job run in progress.</summary>
/// <param name="BytesDone">Bytes of the VM's disks read so far, when the backup reports it.</param>
/// <param name="BytesTotal">Bytes it will read in all, when the backup reports it.</param>
public sealed record RunningBackupView(string Job, string Vm, long RunId, int Attempt, DateTimeOffset StartedAt, long? BytesDone, long? BytesTotal);
