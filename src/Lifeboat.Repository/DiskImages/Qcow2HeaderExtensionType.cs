namespace Lifeboat.Repository.DiskImages;

/// <summary>Types of the header extensions that follow a qcow2 header.</summary>
internal enum Qcow2HeaderExtensionType : uint
{
    End = 0x00000000,
    BackingFileFormat = 0xE2792ACA,
    FeatureNameTable = 0x6803F857,
    Bitmaps = 0x23852875,
    FullDiskEncryption = 0x0537BE77,
    ExternalDataFile = 0x44415441,
}
