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
    private const string Role = "control socket";

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
        var path = System.IO.Path.GetFullPath(settings.SocketPath);
        var logger = loggerFactory.CreateLogger<ControlSocket>();
        var gid = settings.Group.Id;
        await LocalSocketFile.PrepareAsync(path, Role, gid, logger).ConfigureAwait(false);
        var server = new RpcServer([program], new RpcServerOptions { EndPoint = new UnixDomainSocketEndPoint(path), MaxConnections = 64 }, loggerFactory.CreateLogger<RpcServer>());
        server.Start();
        try
        {
            LocalSocketFile.Restrict(path, gid);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        ControlLog.Listening(logger, path, LocalSocketFile.ModeText(gid), gid is null ? "none: no group lifeboat" : LifeboatGroup.Name);
        return new ControlSocket(server, path);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync().ConfigureAwait(false);
}
