using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Control;

/// <summary>
/// The file of a mount server's unix socket (control program, NBD): its folder made 0750 root:lifeboat (0755 without that
/// group), a socket left by a server that is gone replaced and a live one's not, and the bound socket made 0660
/// root:lifeboat (0600 without that group), so only root and the group can connect.
/// </summary>
internal static class LocalSocketFile
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private const UnixFileMode OpenFolderMode = FolderMode | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupSocketMode = SocketMode | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The mode <see cref="Restrict"/> gives, as the log says it.</summary>
    public static string ModeText(uint? gid) => gid is null ? "0600" : "0660";

    /// <summary>Makes the folder and removes a dead server's socket, before the caller binds <paramref name="path"/>.</summary>
    /// <param name="role">What the socket is, for messages: "control socket", "NBD socket".</param>
    /// <exception cref="ControlSocketException">Another server answers on the path, or it is a file that is not a socket.</exception>
    public static async Task PrepareAsync(string path, string role, uint? gid, ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException($"The mount server's {role} needs Linux (peer credentials and file modes).");
        PrepareFolder(Path.GetDirectoryName(path)!, gid);
        await RemoveStaleSocketAsync(path, role, logger).ConfigureAwait(false);
    }

    /// <summary>Gives the bound socket its mode and group.</summary>
    public static void Restrict(string path, uint? gid)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("Unix socket modes need Linux.");
        File.SetUnixFileMode(path, gid is null ? SocketMode : GroupSocketMode);
        if (gid is { } group)
            UnixFileOwner.SetGroup(path, group);
    }

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

    private static async Task RemoveStaleSocketAsync(string path, string role, ILogger logger)
    {
        if (!File.Exists(path))
            return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await probe.ConnectAsync(new UnixDomainSocketEndPoint(path)).ConfigureAwait(false);
                throw new ControlSocketException($"Another mount server answers on the {role} {path}; stop it or choose another path.");
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
            ControlLog.StaleSocketReplaced(logger, role, path);
            return;
        }

        throw new ControlSocketException($"The {role} path {path} is a file that is not a socket; remove it or choose another path.");
    }
}
