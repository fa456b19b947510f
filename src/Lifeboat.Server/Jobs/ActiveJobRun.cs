namespace Lifeboat.Server.Jobs;

/// <summary>A job run in progress, as the dashboard shows it.</summary>
/// <param name="BytesDone">Bytes of the VM's disks read so far; null until the backup reports.</param>
/// <param name="BytesTotal">Bytes the backup reads in all; null until it reports.</param>
public sealed record ActiveJobRun(string Job, string Vm, long RunId, int Attempt, DateTimeOffset StartedAt, long? BytesDone, long? BytesTotal);
