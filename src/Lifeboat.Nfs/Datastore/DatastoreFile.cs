namespace Lifeboat.Nfs.Datastore;

/// <summary>A read-only file generated at publish time (lifeboat.json, a libvirt XML, a .vmx, a VMDK descriptor).</summary>
public sealed record DatastoreFile(string Name, ReadOnlyMemory<byte> Content);
