namespace Lifeboat.Disks.Journal;

internal enum JournalRecordType : byte
{
    /// <summary>Clusters [A, A + B) hold durable data in the data file.</summary>
    MapClusters = 1,

    /// <summary>The disk's length became A bytes; clusters past it are forgotten and the base is hidden past it.</summary>
    SetLength = 2,

    /// <summary>
    /// Clusters [A, A + B) were written to the data file, not yet made durable: appended (without fsync) before the
    /// write that added them is acknowledged, so a write survives a crash of the process whatever its stability. Both
    /// the record and the data are then in the kernel's page cache, which outlives the process but not the machine:
    /// trusted only in the boot that wrote it (<see cref="Boot"/>).
    /// </summary>
    MapClustersWritten = 3,

    /// <summary>The records after this one were written while the machine ran the boot whose id is A and B.</summary>
    Boot = 4,
}
