namespace Lifeboat.Server.Contracts.Hosts;

/// <summary>The body of <c>POST /api/hosts</c>: a libvirt host by a name of its own.</summary>
/// <param name="Connect">libvirt's URI: <c>qemu:///system</c> or <c>qemu+tcp|tls|ssh://[USER@]HOST[:PORT]/system</c>.</param>
/// <param name="MountServerAddress">
/// The address of this machine the host reaches the mount server at; null lets the server choose the one its route to
/// the host leaves from.
/// </param>
public sealed record AddHostRequest(string Name, string Connect, string? MountServerAddress = null);
