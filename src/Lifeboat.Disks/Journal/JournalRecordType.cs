namespace Lifeboat.Disks.Journal;

internal enum JournalRecordType : byte
{
    /// <summary>Clusters [A, A + B) hold durable data in the data file.</summary>
    MapClusters = 1,

    /// <summary>The disk's length became A bytes; clusters past it are forgotten and the base is hidden past it.</summary>
    SetLength = 2,
}
