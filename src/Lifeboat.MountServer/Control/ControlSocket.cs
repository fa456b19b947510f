using System.Net.Sockets;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Control;

/// <summary>
/// The control program on a unix socket, never on a network port: the socket file is 0660 with group lifeboat when
/// that group exists (0600 otherwise), so only root and the group can connect, and the program checks every call's
/// credentials again. A socket file left by a mount server that is gone is replaced; a live one is not.
/// </summary>
public sealed class ControlSocket : IAsyncDisposable
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private const UnixFileMode OpenFolderMode = FolderMode | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupSocketMode = SocketMode | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private readonly RpcServer _server;

    private ControlSocket(RpcServer server, string path)
    {
        _server = server;
        Path = path;
    }

    public string Path { get; }

    /// <exception cref="ControlSocketException">The folder or the socket cannot be made, another mount server answers on the path, or it is a file that is not a socket.</exception>
    public static async Task<ControlSocket> StartAsync(ControlProgram program, ControlSettings settings, ILoggerFactory loggerFactory)
    {
        try
        {
            return await StartCoreAsync(program, settings, loggerFactory).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException && e is not ControlSocketException)
        {
            throw new ControlSocketException($"The control socket {settings.SocketPath} could not be made ({e.Message.TrimEnd('.')}); run as root or choose another path.", e);
        }
    }

    private static async Task<ControlSocket> StartCoreAsync(ControlProgram program, ControlSettings settings, ILoggerFactory loggerFactory)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The mount server's control socket needs Linux (peer credentials and file modes).");
        var path = System.IO.Path.GetFullPath(settings.SocketPath);
        var logger = loggerFactory.CreateLogger<ControlSocket>();
        var gid = settings.Group.Id;
        PrepareFolder(System.IO.Path.GetDirectoryName(path)!, gid);
        await RemoveStaleSocketAsync(path, logger).ConfigureAwait(false);
        var server = new RpcServer([program], new RpcServerOptions { EndPoint = new UnixDomainSocketEndPoint(path), MaxConnections = 64 }, loggerFactory.CreateLogger<RpcServer>());
        server.Start();
        try
        {
            File.SetUnixFileMode(path, gid is null ? SocketMode : GroupSocketMode);
            if (gid is { } group)
                UnixFileOwner.SetGroup(path, group);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        ControlLog.Listening(logger, path, gid is null ? "0600" : "0660", gid is null ? "none: no group lifeboat" : LifeboatGroup.Name);
        return new ControlSocket(server, path);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync().ConfigureAwait(false);

    /// <summary>Only a folder made here gets its mode and group: an existing one (e.g. /tmp) is the admin's.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void PrepareFolder(string folder, uint? gid)
    {
        if (Directory.Exists(folder))
            return;
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, gid is null ? OpenFolderMode : FolderMode);
        if (gid is { } group)
            UnixFileOwner.SetGroup(folder, group);
    }

    private static async Task RemoveStaleSocketAsync(string path, ILogger logger)
    {
        if (!File.Exists(path))
            return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await probe.ConnectAsync(new UnixDomainSocketEndPoint(path)).ConfigureAwait(false);
                throw new ControlSocketException($"Another mount server answers on the control socket {path}; stop it or choose another path.");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
            }
        }

        // connect() is refused by a regular file too; open() is refused by a socket (ENXIO), so a file that opens is not one.
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (IOException)
        {
            File.Delete(path);
            ControlLog.StaleSocketReplaced(logger, path);
            return;
        }

        throw new ControlSocketException($"The control socket path {path} is a file that is not a socket; remove it or choose another path.");
    }
}
