using System.Globalization;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>The options of one `lifeboat mount-server` run.</summary>
internal sealed record MountServerArguments(string Repository, string Cache)
{
    /// <summary>2049 and 111 suit a private network namespace; 0 and 0 a server on a random port without portmap.</summary>
    public int NfsPort { get; init; } = 2049;

    public int PortmapPort { get; init; } = 111;

    /// <summary>0 (off) unless a test serves NBD: tests outside a private namespace would share port 10809.</summary>
    public int NbdPort { get; init; }

    public string? Listen { get; init; }

    public IReadOnlyList<string> Allow { get; init; } = [];

    public IReadOnlyList<string> Publish { get; init; } = [];

    /// <summary>Beside the cache folder: tests run side by side, each mount server with its own control socket.</summary>
    public string ControlSocket => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Cache))!, "control.sock");

    public IEnumerable<string> ToCommandLine()
    {
        yield return "mount-server";
        yield return "--repo";
        yield return Repository;
        yield return "--cache";
        yield return Cache;
        yield return "--nfs-port";
        yield return NfsPort.ToString(CultureInfo.InvariantCulture);
        yield return "--portmap-port";
        yield return PortmapPort.ToString(CultureInfo.InvariantCulture);
        yield return "--nbd-port";
        yield return NbdPort.ToString(CultureInfo.InvariantCulture);
        yield return "--control-socket";
        yield return ControlSocket;
        if (Listen is not null)
        {
            yield return "--listen";
            yield return Listen;
        }

        foreach (var allowed in Allow)
        {
            yield return "--allow";
            yield return allowed;
        }

        foreach (var publication in Publish)
        {
            yield return "--publish";
            yield return publication;
        }

        yield return "--json";
    }
}
