using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using Lifeboat.Hypervisors.Qemu.LiveBackup;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// Where libvirt's pull-mode backup serves its NBD exports. On this machine (<c>qemu:///system</c>): a unix socket in
/// the work folder. On another host: TCP on that host's address as this machine reaches it (the URI's host,
/// resolved here), on a port picked at random from <see cref="FirstPort"/> on (libvirt 9.0 allocates none for
/// backups; another is tried when the host says it is taken), with TLS when the connection is <c>qemu+tls://</c>:
/// the host's QEMU then serves with its default_tls_x509_cert_dir, and this side checks it against libvirt's own
/// client CA (<c>?pkipath=DIR</c>'s cacert.pem, else /etc/pki/CA/cacert.pem) and presents libvirt's client certificate.
/// </summary>
internal sealed class LibvirtBackupServer
{
    /// <summary>Above NBD's <see cref="Nbd.Server.NbdServerOptions.DefaultPort"/>, the port virtnbdbackup and most tools take first.</summary>
    public const int FirstPort = 10810;
    public const int PortCount = 1000;

    private const string DefaultCaPath = "/etc/pki/CA/cacert.pem";
    private const string DefaultClientCertificatePath = "/etc/pki/libvirt/clientcert.pem";
    private const string DefaultClientKeyPath = "/etc/pki/libvirt/private/clientkey.pem";

    private readonly string _socketPath;
    private readonly IPAddress? _address;
    private readonly LiveBackupNbdTls? _tls;

    private LibvirtBackupServer(string socketPath, IPAddress? address, LiveBackupNbdTls? tls)
    {
        _socketPath = socketPath;
        _address = address;
        _tls = tls;
        Port = address is null ? 0 : FirstPort + Random.Shared.Next(PortCount);
    }

    /// <summary>Whether the domain runs on another host (TCP) rather than here (the unix socket).</summary>
    public bool IsRemote => _address is not null;

    public int Port { get; private set; }

    public LiveBackupNbdServer NbdServer => _address is null
        ? LiveBackupNbdServer.Unix(_socketPath)
        : new LiveBackupNbdServer(new IPEndPoint(_address, Port), _tls);

    /// <exception cref="LibvirtException">The URI's host does not resolve, or TLS is asked for and the CA file is missing.</exception>
    public static async Task<LibvirtBackupServer> ForAsync(string connectUri, string socketPath, CancellationToken cancellationToken)
    {
        var uri = new Uri(connectUri);
        if (string.IsNullOrEmpty(uri.Host))
        {
            return new LibvirtBackupServer(socketPath, null, null);
        }

        var host = uri.IdnHost;
        IPAddress address;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            address = addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException)
        {
            throw new LibvirtException($"The libvirt host {host} does not resolve here ({ex.Message.TrimEnd('.')}); the backup's NBD export listens on its address, so give a host name this machine resolves.", ex);
        }

        LiveBackupNbdTls? tls = null;
        if (uri.Scheme == "qemu+tls")
        {
            var pki = PkiPath(uri.Query);
            var ca = pki is null ? DefaultCaPath : Path.Combine(pki, "cacert.pem");
            if (!File.Exists(ca))
            {
                throw new LibvirtException($"The CA file {ca} is missing; the backup's NBD export on {host} is checked against the CA libvirt's TLS connection uses, so put that CA's certificate there.");
            }

            var certificate = pki is null ? DefaultClientCertificatePath : Path.Combine(pki, "clientcert.pem");
            var key = pki is null ? DefaultClientKeyPath : Path.Combine(pki, "clientkey.pem");
            var hasClient = File.Exists(certificate) && File.Exists(key);
            tls = new LiveBackupNbdTls(ca, hasClient ? certificate : null, hasClient ? key : null, host);
        }

        return new LibvirtBackupServer(socketPath, address, tls);
    }

    /// <summary>The backup XML's <c>&lt;server&gt;</c> element.</summary>
    public XElement ServerXml() => _address is null
        ? new XElement("server", new XAttribute("transport", "unix"), new XAttribute("socket", _socketPath))
        : new XElement(
            "server",
            new XAttribute("transport", "tcp"),
            new XAttribute("name", _address.ToString()),
            new XAttribute("port", Port),
            _tls is null ? null : new XAttribute("tls", "yes"));

    /// <summary>Whether libvirt refused to start the backup because the port is taken on the host.</summary>
    public static bool IsPortTaken(LibvirtException failure) =>
        failure.Message.Contains("already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>Moves to the next port of the range, wrapping around.</summary>
    public void NextPort() => Port = FirstPort + ((Port - FirstPort + 1) % PortCount);

    /// <summary>The folder of <c>?pkipath=DIR</c>, the only query a validated URI may carry.</summary>
    private static string? PkiPath(string query)
    {
        const string Key = "?pkipath=";
        return query.StartsWith(Key, StringComparison.Ordinal) ? Uri.UnescapeDataString(query[Key.Length..]) : null;
    }
}
