namespace Lifeboat.Nfs.Datastore;

/// <summary>What a datastore file handle points at; the byte is part of the handle's wire format.</summary>
internal enum DatastoreNodeKind : byte
{
    ExportRoot = 1,
    Publication = 2,
    GeneratedFile = 3,
    DiskFile = 4,
    Local = 5,
}
