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

    public static string Default =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".lifeboat");
}
