using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Cli.Output;
using Lifeboat.MountServer.Control;
using Lifeboat.MountServer.Publishing;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`publish`, `unpublish` and `publications`: requests to a running mount server over its control program.</summary>
internal static class PublicationCommands
{
    /// <summary>--control-socket, shared with `lifeboat mount-server` so both sides name the same default.</summary>
    public static Option<string> ControlSocketOption(string description) => new("--control-socket")
    {
        HelpName = "PATH",
        Description = description,
        DefaultValueFactory = _ => ControlSettings.DefaultPath,
    };

    private static Option<string> MountServer() =>
        ControlSocketOption("Unix socket of the running mount server's control program (`lifeboat mount-server --control-socket`; the server's own is in its log).");

    public static Command CreatePublish()
    {
        var target = new Argument<string>("VM[@RESTORE_POINT_ID]") { Description = "The VM to publish; its newest restore point without @." };
        var server = MountServer();
        var redirect = new Option<string?>("--redirect-writes-to") { Description = "Keep the write cache in this folder (a production datastore path)." };
        var readOnly = new Option<bool>("--read-only") { Description = "Refuse every write over NFS and NBD: nothing is ever written to the publication's write cache." };
        var allow = new Option<string[]>("--allow")
        {
            HelpName = "ADDR",
            Description = "Serve the publication to this client address only (repeatable): every other client, loopback included, is refused, and the mount server also listens where it reaches this machine.",
        };
        var command = new Command("publish", "Publish a restore point in a running mount server's datastore.") { target, server, redirect, readOnly, allow };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            var text = parse.GetValue(target)!;
            var at = text.LastIndexOf('@');
            var (vm, restorePoint) = at < 0 ? (text, null) : (text[..at], text[(at + 1)..]);
            var clients = ParseClients(parse.GetValue(allow));
            await using var client = await ConnectAsync(parse.GetValue(server)!, cancellationToken);
            var publication = await Run(() => client.PublishAsync(
                vm, restorePoint, parse.GetValue(redirect) is { } folder ? Path.GetFullPath(folder) : null, parse.GetValue(readOnly), clients, cancellationToken));
            Report(console, [publication]);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateUnpublish()
    {
        var name = new Argument<string>("NAME") { Description = "The publication (folder name in the datastore)." };
        var server = MountServer();
        var command = new Command("unpublish", "Remove a publication from a running mount server and delete its write cache; the backup is untouched.") { name, server };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            await using var client = await ConnectAsync(parse.GetValue(server)!, cancellationToken);
            await Run(async () =>
            {
                await client.UnpublishAsync(parse.GetValue(name)!, cancellationToken);
                return true;
            });
            if (console.Json)
                console.WriteJson(new UnpublishJson(parse.GetValue(name)!), CliJsonContext.Default.UnpublishJson);
            else
                console.Line($"Unpublished {Markup.Escape(parse.GetValue(name)!)} and deleted its write cache.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateList()
    {
        var server = MountServer();
        var command = new Command("publications", "List what a running mount server publishes, with each disk's nfs:// URL.") { server };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            await using var client = await ConnectAsync(parse.GetValue(server)!, cancellationToken);
            Report(console, await Run(() => client.ListAsync(cancellationToken)));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Report(CliConsole console, IReadOnlyList<PublicationInfo> publications)
    {
        if (console.Json)
        {
            console.WriteJson(
                [.. publications.Select(PublicationJson.Of)],
                CliJsonContext.Default.ListPublicationJson);
            return;
        }
        if (publications.Count == 0)
            console.Line("Nothing is published.");
        foreach (var p in publications)
        {
            var writes = p.ReadOnly ? "read-only" : $"writes to {Markup.Escape(p.CacheFolder)}";
            var only = p.Clients is null ? "" : $", only for {string.Join(", ", p.Clients)} (served at {p.ServedAt})";
            console.Line($"[green]{Markup.Escape(p.Name)}[/]: VM {Markup.Escape(p.Vm)}, restore point {p.RestorePointId}, {writes}{only}");
            foreach (var url in p.DiskUrls.Concat(p.NbdUrls).Concat(p.NbdUnixUrls))
                console.Line($"  {Markup.Escape(url)}");
        }
    }

    private static IPAddress[]? ParseClients(string[]? entries)
    {
        if (entries is null or { Length: 0 })
            return null;
        if (entries.Length > ControlConstants.MaxClients)
            throw new CliException($"--allow is given {entries.Length} times; a publication names at most {ControlConstants.MaxClients} clients.");
        return [.. entries.Select(entry => IPAddress.TryParse(entry.Trim(), out var address)
            ? address
            : throw new CliException($"--allow '{entry}' is not an IP address; give the client's address, like 198.18.0.2 (one --allow per client)."))];
    }

    private static async Task<ControlClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        try
        {
            return await ControlClient.ConnectAsync(socketPath, cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AccessDenied or SocketError.OperationNotSupported)
        {
            throw new CliException(AccessDenied(socketPath));
        }
        catch (SocketException)
        {
            throw new CliException($"No mount server answers on the control socket {socketPath}; start one with `lifeboat mount-server --repo PATH --cache DIR`, or give its socket with --control-socket PATH.");
        }
    }

    private static string AccessDenied(string socketPath) =>
        $"Access to the mount server's control socket {socketPath} is denied; run as root or join group lifeboat.";

    private static async Task<T> Run<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
        catch (Lifeboat.OncRpc.Client.RpcException e) when (e.Reply?.Status == Lifeboat.OncRpc.Rpc.RpcReplyStatus.Denied)
        {
            throw new CliException($"The mount server refused the request ({e.Message}): it takes control requests only from root and group lifeboat; run as root or join group lifeboat.");
        }
        catch (Lifeboat.OncRpc.Client.RpcException e)
        {
            throw new CliException($"The mount server could not answer the request ({e.Message}); check its log.");
        }
    }
}
