namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// The TLS an NBD client must start with a hypervisor's export: the server's certificate must chain to the CA in
/// <paramref name="CaPath"/> and name <paramref name="ServerName"/>; the client certificate is presented when there is one.
/// </summary>
public sealed record LiveBackupNbdTls(string CaPath, string? ClientCertificatePath, string? ClientKeyPath, string ServerName);
