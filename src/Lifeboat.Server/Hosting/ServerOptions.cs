using System.Net;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Nfs.Server;
using Lifeboat.Server.Contracts.Hosting;

namespace Lifeboat.Server.Hosting;

/// <summary>What `lifeboat server` runs with; everything it keeps lives under <see cref="DataDirectory"/>.</summary>
public sealed record ServerOptions
{
    public const long DefaultCacheReserveBytes = 1L << 30;

    public required string DataDirectory { get; init; }

    /// <summary>The console's address as people reach it (behind a proxy, by name), for links in notifications; null: none.</summary>
    public Uri? PublicUrl { get; init; }

    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, RestApi.DefaultPort);

    /// <summary>PEM certificate for HTTPS (with <see cref="CertificateKeyPath"/>); null: the server makes its own when it needs one.</summary>
    public string? CertificatePath { get; init; }

    public string? CertificateKeyPath { get; init; }

    /// <summary>Plain HTTP only on a loopback address: on any other the API serves HTTPS only.</summary>
    public bool Https => !IPAddress.IsLoopback(Listen.Address);

    /// <summary>
    /// MOUNT and NFS port; null keeps the one chosen on the first start (<see cref="NfsServerOptions.DefaultPort"/> when free). It must not change while VMs
    /// run from the datastore: QEMU reconnects to the same port after a restart.
    /// </summary>
    public int? NfsPort { get; init; }

    /// <summary>
    /// Port of the mount server's NBD exports (sessions recovered with --protocol nbd); null keeps the one chosen on
    /// the first start (<see cref="Nbd.Server.NbdServerOptions.DefaultPort"/> when free), for the same reason as <see cref="NfsPort"/>.
    /// </summary>
    public int? NbdPort { get; init; }

    /// <summary>Where QEMU's nfs:// driver asks for the mount server (it takes no port of its own).</summary>
    public int PortmapPort { get; init; } = NfsServerOptions.DefaultPortmapPort;

    /// <summary>
    /// The unix socket of the hosted mount server's control program (`lifeboat publications --control-socket PATH`);
    /// null takes <see cref="DefaultControlSocket"/>, so two servers with their own data folders never share one.
    /// </summary>
    public string? ControlSocketPath { get; init; }

    /// <summary>/run/lifeboat/server-HASH.sock, HASH from the data folder's path: distinct from `lifeboat mount-server`'s.</summary>
    public string DefaultControlSocket =>
        $"/run/lifeboat/server-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(DataDirectory))))[..12]}.sock";

    /// <summary>Free space a cache folder must keep for a new session's writes.</summary>
    public long CacheReserveBytes { get; init; } = DefaultCacheReserveBytes;

    public string QemuBinary { get; init; } = QemuAccelerator.DefaultQemuBinary;

    /// <summary>How long a session waits for the guest to answer before it fails.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Verifications booting at once; more wait in a queue. Each boots a VM, so the default is one per CPU.</summary>
    public int MaxVerifications { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>A file-restore session unused this long is closed (its appliance stopped, its publication removed).</summary>
    public TimeSpan FileRestoreIdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The memory all file-restore appliances together may take, in MiB; a session beyond it is refused.</summary>
    public int FileRestoreMemoryMegabytes { get; init; } = 4096;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>A repository whose file system is used beyond this percentage is reported nearly full (once per episode).</summary>
    public int RepositoryFullPercent { get; init; } = 90;

    /// <summary>
    /// How late a VM's restore point may be beyond its job's schedule before the VM counts as overdue; null: 1 hour for
    /// "every" schedules, 2 hours for daily ones (<see cref="Health.OverdueRule"/>).
    /// </summary>
    public TimeSpan? OverdueGrace { get; init; }
}
