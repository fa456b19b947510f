using System.Net;

namespace Lifeboat.Hypervisors.Hosts;

/// <summary>How a remote host and the mount server reach each other.</summary>
/// <param name="MountServerAddress">The address of this machine the host's QEMU connects to for NFS and NBD (the mount server listens there).</param>
/// <param name="HostAddress">The address the host's connections come from: the only client the session's publication admits.</param>
public sealed record HostNetwork(IPAddress MountServerAddress, IPAddress HostAddress);
