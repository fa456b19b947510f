using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Hosting;

/// <summary>The layout of the server's data folder.</summary>
public sealed record DataFolder(string Root)
{
    public string Database => Path.Combine(Root, "lifeboat.db");

    /// <summary>The mount server's publication list and the write caches of publications that don't redirect them.</summary>
    public string Cache => Path.Combine(Root, "cache");

    /// <summary>The server's own repository, created on the first start.</summary>
    public string Repository => Path.Combine(Root, "repository");

    /// <summary>One folder per session's VM: QMP socket, pid file, serial console, QEMU's log.</summary>
    public string Runtime => Path.Combine(Root, "run");

    public string VmRuntime(string sessionId) => Path.Combine(Runtime, sessionId);

    /// <summary>Serial consoles of sessions whose VM is gone.</summary>
    public string Consoles => Path.Combine(Root, "consoles");

    public string KeptConsole(string sessionId) => Path.Combine(Consoles, sessionId + ".log");

    /// <summary>What verifications keep beside their result: the console as a picture.</summary>
    public string Screenshots => Path.Combine(Root, "screenshots");

    public string Screenshot(string sessionId) => Path.Combine(Screenshots, sessionId + ".png");

    /// <summary>What a job's live backups keep while they run (fleecing images, NBD socket).</summary>
    public string JobWork(string jobName) => Path.Combine(Root, "jobs", jobName);

    /// <summary>The admin API token the CLI uses, 0600 (see <see cref="Security.FirstStart"/>).</summary>
    public string ApiToken => ApiTokenFile.PathIn(Root);

    /// <summary>The admin's password made at the first start (0600), until the admin sets their own.</summary>
    public string InitialAdminPassword => Path.Combine(Root, "initial-admin-password");

    /// <summary>The keys that sign browser session and antiforgery cookies, 0700.</summary>
    public string Keys => Path.Combine(Root, "keys");

    /// <summary>The certificate the server made for HTTPS when none was given, and its private key (0600).</summary>
    public string Certificate => Path.Combine(Root, "tls", "certificate.pem");

    public string CertificateKey => Path.Combine(Root, "tls", "certificate-key.pem");

    public static string Default => ApiTokenFile.DefaultDataFolder;
}
