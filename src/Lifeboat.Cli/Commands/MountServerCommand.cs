using System.CommandLine;
using System.Net;
using Lifeboat.Cli.Output;
using Lifeboat.Disks;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs;
using Lifeboat.Nfs.Server;
using Lifeboat.MountServer.Control;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Repository;
using Lifeboat.Metrics;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat mount-server`: the NFS datastore that publishes restore points, in the foreground until stopped.</summary>
internal static class MountServerCommand
{
    // With hydration a block is decoded once and later read from the local copy, so the decoded-block cache only
    // bridges reads racing the copy: 8 MiB per disk, instead of 64 MiB that 20 publications turned into 1.4 GB
    // resident (bench/nfs-peers/memory.sh).
    private const long HydratedBlockCacheBytes = 8L << 20;

    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var cache = new Option<string>("--cache") { Description = "Folder for the write caches and the list of publications (kept across restarts).", Required = true };
        var listen = new Option<string>("--listen") { Description = "Address to listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var nfsPort = new Option<int>("--nfs-port") { Description = "TCP port of MOUNT and NFS (and portmap).", DefaultValueFactory = _ => NfsServerOptions.DefaultPort };
        var portmapPort = new Option<int>("--portmap-port")
        {
            Description = "Port where portmap also listens (QEMU's nfs:// driver asks it); 0 turns it off. If rpcbind owns it, MOUNT and NFS are registered there.",
            DefaultValueFactory = _ => NfsServerOptions.DefaultPortmapPort,
        };
        var nbdPort = new Option<int>("--nbd-port")
        {
            Description = "TCP port where every published disk is also served over NBD (export PUBLICATION/diskN); 0 turns NBD over TCP off (--nbd-socket is apart).",
            DefaultValueFactory = _ => NbdServerOptions.DefaultPort,
        };
        var nbdTlsCert = new Option<string?>("--nbd-tls-cert")
        {
            HelpName = "PEM",
            Description = "Require TLS on NBD (nbds:// URLs) with this X.509 certificate (PEM, intermediates after it); needs --nbd-tls-key. Certificates only: .NET has no TLS-PSK.",
        };
        var nbdTlsKey = new Option<string?>("--nbd-tls-key") { HelpName = "PEM", Description = "The private key of --nbd-tls-cert (PEM, unencrypted)." };
        var nbdTlsCa = new Option<string?>("--nbd-tls-ca")
        {
            HelpName = "PEM",
            Description = "With --nbd-tls-cert: NBD clients must present a certificate issued by this CA (PEM); others are refused during the TLS handshake.",
        };
        var allow = new Option<string[]>("--allow") { Description = "Client address or network (CIDR) allowed to mount or connect over NBD; repeatable (default: loopback only)." };
        var controlSocket = PublicationCommands.ControlSocketOption("Unix socket where `lifeboat publish|unpublish|publications` reach this mount server (root and group lifeboat only).");
        var publish = new Option<string[]>("--publish") { Description = "VM[@RESTORE_POINT_ID] to publish at start (the newest restore point without @); repeatable." };
        var readOnly = new Option<bool>("--read-only") { Description = "Make the publications given with --publish read-only: every write over NFS and NBD is refused, kept across restarts." };
        var nbdSocket = new Option<string?>("--nbd-socket")
        {
            HelpName = "PATH",
            Description = "Unix socket where every published disk is also served over NBD for a QEMU on this host (root and group lifeboat only); default beside --control-socket (mount-server-nbd.sock), `none` turns it off.",
        };
        var redirect = new Option<string?>("--redirect-writes-to") { Description = "Keep the write caches of publications made at start in this folder (a production datastore path) instead of --cache." };
        var writable = new Option<string[]>("--writable")
        {
            HelpName = "DIR",
            Description = "A folder that a later `publish --redirect-writes-to` may keep write caches in, besides --cache (and --redirect-writes-to); repeatable.",
        };
        var blockCache = new Option<string?>("--block-cache")
        {
            HelpName = "SIZE",
            Description = $"Memory for decoded backup blocks, per published disk, e.g. 16M (default {Sizes.Format(HydratedBlockCacheBytes)}, " +
                $"{Sizes.Format(RestorePointDisk.DefaultCacheBytes)} with --no-hydration): the server's memory grows with the number of disks published, never with the data read.",
        };
        var hydrationLimit = new Option<string?>("--hydration-limit")
        {
            HelpName = "SIZE",
            Description = "Local disk space for copies of the blocks read, per published disk, e.g. 1G (default " +
                $"{Sizes.Format(PublishedDiskOptions.Default.MaxHydrationBytes)}); past it, reads decode from the backup again.",
        };
        var noHydration = new Option<bool>("--no-hydration") { Description = "Keep no local copies of blocks read: every read not in --block-cache decodes from the backup." };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Lowest level of Lifeboat's log lines on stderr: Debug adds every connection opened and closed and every call refused.",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var logFormat = LogFormats.Option();
        var metricsListen = new Option<string?>("--metrics-listen")
        {
            HelpName = "127.0.0.1:PORT",
            Description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (loopback only: they have no authentication).",
        };
        var command = new Command("mount-server", "Serve restore points over NFSv3 as a datastore: reads come from the backup, writes go to a cache.")
        {
            repo, cache, listen, nfsPort, portmapPort, nbdPort, nbdTlsCert, nbdTlsKey, nbdTlsCa, nbdSocket, allow, controlSocket, publish, readOnly, redirect, writable, blockCache, hydrationLimit, noHydration, logLevel, logFormat, metricsListen,
        };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(listen), out var address))
                throw new CliException($"--listen '{parse.GetValue(listen)}' is not an IP address; give one like 0.0.0.0 or 127.0.0.1.");
            var allowed = parse.GetValue(allow) is { Length: > 0 } entries ? ParseAllowList(entries) : NfsClientAllowList.LoopbackOnly;
            var repositoryPath = Path.GetFullPath(parse.GetValue(repo)!);
            // Named by whoever starts the mount server; a publish sent later may only keep its writes inside them.
            IReadOnlyList<string> writableFolders = [.. (parse.GetValue(writable) ?? []).Concat(parse.GetValue(redirect) is { } start ? [start] : []).Select(Path.GetFullPath)];
            var nbd = parse.GetValue(nbdPort);
            if (nbd is < 0 or > 65535)
                throw new CliException($"--nbd-port {nbd} is not a TCP port; give 1-65535, or 0 to turn NBD off.");
            var nbdTls = ParseNbdTls(parse.GetValue(nbdTlsCert), parse.GetValue(nbdTlsKey), parse.GetValue(nbdTlsCa), nbd);
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddFormattedConsole(parse.GetValue(logFormat))
                .AddFilter("Lifeboat", parse.GetValue(logLevel))
                .SetMinimumLevel(LogLevel.Warning));
            var settings = new MountServerSettings
            {
                RepositoryPath = repositoryPath,
                Password = PasswordSource.ForOpen(repositoryPath),
                CacheRoot = Path.GetFullPath(parse.GetValue(cache)!),
                WritableFolders = () => writableFolders,
                Nfs = new NfsServerOptions
                {
                    EndPoint = new IPEndPoint(address, parse.GetValue(nfsPort)),
                    PortmapPort = parse.GetValue(portmapPort),
                    AllowedClients = allowed,
                },
                Nbd = nbd == 0 ? null : new NbdServerOptions { EndPoint = new IPEndPoint(address, nbd), Tls = nbdTls },
                Control = new ControlSettings { SocketPath = Path.GetFullPath(parse.GetValue(controlSocket)!) },
                NbdSocketPath = parse.GetValue(nbdSocket) switch
                {
                    null => ControlSettings.NbdSocketBeside(parse.GetValue(controlSocket)!),
                    "none" => null,
                    var path => Path.GetFullPath(path),
                },
                PublishAtStart = [.. (parse.GetValue(publish) ?? []).Select(request => ParsePublish(request, parse.GetValue(redirect), parse.GetValue(readOnly)))],
                BlockCacheBytes = ParseSize("--block-cache", parse.GetValue(blockCache))
                    ?? (parse.GetValue(noHydration) ? RestorePointDisk.DefaultCacheBytes : HydratedBlockCacheBytes),
                Disk = PublishedDiskOptions.Default with
                {
                    Hydration = !parse.GetValue(noHydration),
                    MaxHydrationBytes = ParseSize("--hydration-limit", parse.GetValue(hydrationLimit)) ?? PublishedDiskOptions.Default.MaxHydrationBytes,
                },
            };
            // Before the host starts, so the meters count from its first call.
            using var metrics = StartMetrics(parse.GetValue(metricsListen));
            await using var host = await StartAsync(settings, loggerFactory, cancellationToken);
            Report(console, host, settings);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                console.Line("Stopping the mount server; publications and their caches are kept for the next start.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<MountServerHost> StartAsync(MountServerSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            return await MountServerHost.StartAsync(settings, loggerFactory, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            throw new CliException($"Port {settings.Nfs.EndPoint.Port} (NFS) or {settings.Nbd?.EndPoint.ToString() ?? "-"} (NBD) is already in use; stop the other server or choose others with --nfs-port and --nbd-port (0 turns NBD off).");
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AccessDenied)
        {
            throw new CliException($"Listening on port {settings.Nfs.EndPoint.Port} or on the control socket {settings.Control?.SocketPath} needs root; run as root, or choose a port above 1023 with --nfs-port.");
        }
        catch (ControlSocketException e)
        {
            throw new CliException($"{e.Message} (--control-socket PATH and --nbd-socket PATH choose the paths.)");
        }
    }

    private static StandaloneMetricsServer? StartMetrics(string? listen)
    {
        if (listen is null)
            return null;
        if (!IPEndPoint.TryParse(listen, out var endPoint))
            throw new CliException($"--metrics-listen '{listen}' is not an address and port; give one like 127.0.0.1:9108.");
        try
        {
            return StandaloneMetricsServer.Start(endPoint);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--metrics-listen: {e.Message}");
        }
        catch (HttpListenerException e)
        {
            throw new CliException($"--metrics-listen {listen}: {e.Message}; choose another port.");
        }
    }

    private static long? ParseSize(string option, string? text)
    {
        if (text is null)
            return null;
        try
        {
            return Sizes.Parse(text);
        }
        catch (CliException e)
        {
            throw new CliException($"{option}: {e.Message}");
        }
    }

    private static NbdTlsOptions? ParseNbdTls(string? certificate, string? key, string? ca, int nbdPort)
    {
        if (certificate is null && key is null && ca is null)
            return null;
        if (certificate is null || key is null)
            throw new CliException("--nbd-tls-cert and --nbd-tls-key go together (--nbd-tls-ca needs both); give the server's PEM certificate and its PEM key.");
        if (nbdPort == 0)
            throw new CliException("--nbd-tls-cert needs NBD on: drop --nbd-port 0, or drop the --nbd-tls options.");
        try
        {
            return NbdTlsOptions.FromPemFiles(Path.GetFullPath(certificate), Path.GetFullPath(key), ca is null ? null : Path.GetFullPath(ca));
        }
        catch (ArgumentException e)
        {
            throw new CliException($"{e.Message} (--nbd-tls-cert, --nbd-tls-key, --nbd-tls-ca)");
        }
    }

    private static NfsClientAllowList ParseAllowList(string[] entries)
    {
        try
        {
            return NfsClientAllowList.Parse(entries);
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static StartPublication ParsePublish(string text, string? redirectWritesTo, bool readOnly)
    {
        var at = text.LastIndexOf('@');
        return at < 0 ? new(text, null, redirectWritesTo, readOnly) : new(text[..at], text[(at + 1)..], redirectWritesTo, readOnly);
    }

    private static void Report(CliConsole console, MountServerHost host, MountServerSettings settings)
    {
        var publications = host.Publications;
        if (console.Json)
        {
            console.WriteJson(
                new MountServerJson(host.Nfs.Port, host.Nfs.Datastore.ExportPath, host.Nfs.PortmapMode.ToString(),
                    [.. publications.Select(PublicationJson.Of)])
                {
                    NbdPort = host.Nbd?.Port ?? 0,
                    NbdSocket = host.NbdUnix?.LocalEndPoint.ToString(),
                },
                CliJsonContext.Default.MountServerJson);
            return;
        }
        console.Line($"Mount server on port [bold]{host.Nfs.Port}[/], export [bold]{Markup.Escape(host.Nfs.Datastore.ExportPath)}[/], " +
            $"portmap: {host.Nfs.PortmapMode}, writes cached under {Markup.Escape(settings.CacheRoot)}.");
        if (publications.Count == 0)
            console.Line(Markup.Escape("Nothing published yet: `lifeboat publish VM[@RESTORE_POINT_ID]` or restart with --publish."));
        foreach (var p in publications)
        {
            console.Line($"[green]{Markup.Escape(p.Name)}[/]: VM {Markup.Escape(p.Vm)}, restore point {p.RestorePointId}{(p.ReadOnly ? ", read-only" : "")}{(p.Clients is null ? "" : $", only for {string.Join(", ", p.Clients)}")}");
            for (var i = 0; i < p.DiskUrls.Count; i++)
            {
                console.Line($"  disk{i}: {Markup.Escape(p.DiskUrls[i])}");
                if (p.DiskUrlsWithPorts[i] != p.DiskUrls[i])
                    console.Line($"         libnfs (no portmap needed): {Markup.Escape(p.DiskUrlsWithPorts[i])}");
            }
            for (var i = 0; i < p.NbdUrls.Count; i++)
                console.Line($"  disk{i} over NBD: {Markup.Escape(p.NbdUrls[i])}");
            for (var i = 0; i < p.NbdUnixUrls.Count; i++)
                console.Line($"  disk{i} over NBD on this host: {Markup.Escape(p.NbdUnixUrls[i])}");
            if (p.DiskUrls.Count > 0)
                console.Line($"  QEMU: -drive file={Markup.Escape(p.DiskUrls[0])},format=raw,if=virtio,cache=none");
        }
        if (host.Nbd is { } nbdServer)
            console.Line($"NBD on port [bold]{nbdServer.Port}[/]{(settings.Nbd?.Tls is { } tls ? $", TLS required{(tls.ClientCertificateAuthorities is null ? "" : " with a client certificate")}" : "")}: export PUBLICATION/diskN of the same disks and write caches.");
        if (host.NbdUnix is { } nbdUnix)
            console.Line($"NBD socket {Markup.Escape(nbdUnix.LocalEndPoint.ToString()!)}: the same exports for a QEMU on this host, root and group lifeboat only.");
        if (settings.Control is { } control)
            console.Line($"Control socket {Markup.Escape(control.SocketPath)}: `lifeboat publish|unpublish|publications` as root or a member of group lifeboat.");
        console.Line($"Mount options for NFS clients: vers=3,proto=tcp,port={host.Nfs.Port},mountport={host.Nfs.Port},nolock. Stop with Ctrl-C.");
    }
}
