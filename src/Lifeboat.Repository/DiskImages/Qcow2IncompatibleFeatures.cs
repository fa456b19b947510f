namespace Lifeboat.Repository.DiskImages;

/// <summary>The incompatible_features bits of a qcow2 version 3 header.</summary>
[Flags]
internal enum Qcow2IncompatibleFeatures : ulong
{
    None = 0,
    Dirty = 1 << 0,
    Corrupt = 1 << 1,
    ExternalDataFile = 1 << 2,
    CompressionType = 1 << 3,
    ExtendedL2Entries = 1 << 4,
    Known = Dirty | Corrupt | ExternalDataFile | CompressionType | ExtendedL2Entries,
}
