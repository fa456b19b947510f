using Lifeboat.OncRpc.Peers;

namespace Lifeboat.MountServer.Control;

/// <summary>Where the control program listens and what it tells whom.</summary>
public sealed class ControlSettings
{
    /// <summary>The unix socket of a standalone mount server (`lifeboat mount-server`).</summary>
    public const string DefaultPath = "/run/lifeboat/mount-server.sock";

    /// <summary>The NBD unix socket beside a control socket: <c>/run/lifeboat/mount-server-nbd.sock</c> beside <see cref="DefaultPath"/>.</summary>
    public static string NbdSocketBeside(string controlSocketPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(controlSocketPath))!, Path.GetFileNameWithoutExtension(controlSocketPath) + "-nbd.sock");

    /// <summary>The socket's path; its folder is made if missing (0750 root:lifeboat, or 0755 without that group).</summary>
    public required string SocketPath { get; init; }

    /// <summary>Who besides root may control the mount server.</summary>
    public LifeboatGroup Group { get; init; } = LifeboatGroup.System;

    /// <summary>Receives every publish and unpublish asked, refused ones included (the server writes them to its audit log).</summary>
    public Action<ControlAuditEntry>? Audit { get; init; }

    /// <summary>
    /// Who owns a publication, e.g. "running session 12" (the server's recovery sessions), or null when nobody does:
    /// an owned publication cannot be unpublished over the control socket.
    /// </summary>
    public Func<string, string?>? OwnerOf { get; init; }
}
