namespace Lifeboat.Server.Data;

/// <summary>A host an admin added: its name, kind, libvirt URI and, when given, the address it reaches the mount server at.</summary>
public sealed record StoredHost(string Name, string Kind, string Connection, string? MountServerAddress, DateTimeOffset AddedAt);
