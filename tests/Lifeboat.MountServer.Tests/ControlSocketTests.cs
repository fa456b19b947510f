using System.Net;
using System.Net.Sockets;
using Lifeboat.MountServer.Control;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nfs.Server;
using Lifeboat.OncRpc.Peers;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.MountServer.Tests;

/// <summary>
/// The control socket with a lifeboat group: the machine has none, so the group file is the test's own and names
/// nogroup (65534) as lifeboat; a process whose group that is may then list, and one without it cannot even connect.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlSocketTests : IDisposable
{
    private const uint NoGroup = UnprivilegedRpcCall.NoGroup;
    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-control-").FullName;

    public ControlSocketTests() => File.SetUnixFileMode(_folder, (UnixFileMode)0x1ED);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_member_of_the_group_may_list_others_cannot_connect_and_publish_and_unpublish_are_audited()
    {
        var groupFile = Path.Combine(_folder, "group");
        await File.WriteAllTextAsync(groupFile, $"lifeboat:x:{NoGroup}:\n");
        var audit = new List<ControlAuditEntry>();
        var socket = Path.Combine(_folder, "run", "control.sock");
        await using var host = await StartAsync(new ControlSettings
        {
            SocketPath = socket,
            Group = new LifeboatGroup(groupFile),
            Audit = entry =>
            {
                lock (audit)
                    audit.Add(entry);
            },
        });

        // The folder is made 0750 and the socket 0660, both of group lifeboat.
        Assert.Equal((UnixFileMode)0x1E8, File.GetUnixFileMode(Path.GetDirectoryName(socket)!));
        Assert.Equal((UnixFileMode)0x1B0, File.GetUnixFileMode(socket));
        Assert.Equal(NoGroup.ToString(), (await Tools.RunCheckedAsync("stat", "-c", "%g", socket)).Trim());

        // Accepted, status OK, no publication.
        Assert.Equal("0 0 0", (await RunAs(NoGroup, socket, (uint)ControlProc.List)).Trim());
        var outsider = await RunAs(1, socket, (uint)ControlProc.List);
        Assert.Contains("PermissionError", outsider, StringComparison.Ordinal);

        await using (var control = await ControlClient.ConnectAsync(socket))
        {
            var published = await control.PublishAsync("vm1", null, null);
            await control.UnpublishAsync(published.Name);
        }

        Assert.Equal(["publish vm1 0 ok", "unpublish vm1 0 ok"], audit.Select(e => $"{e.Action} {e.Target} {e.Caller.Uid} {e.Outcome[..2]}"));
        Assert.All(audit, e => Assert.Equal(Environment.ProcessId, e.Caller.Pid));
    }

    [Fact]
    public async Task A_socket_left_by_a_dead_server_is_replaced_and_a_live_one_is_not()
    {
        var socket = Path.Combine(_folder, "control.sock");
        // A process that bound the socket and died: the file stays (a .NET socket would delete it when disposed).
        await Tools.RunCheckedAsync("/usr/bin/python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket);
        Assert.True(Path.Exists(socket));

        await using var host = await StartAsync(new ControlSettings { SocketPath = socket });
        await using (var control = await ControlClient.ConnectAsync(socket))
            Assert.Single(await control.ListAsync());

        var taken = await Assert.ThrowsAsync<ControlSocketException>(() => StartAsync(new ControlSettings { SocketPath = socket }, "again"));
        Assert.Contains($"Another mount server answers on the control socket {socket}", taken.Message, StringComparison.Ordinal);

        var file = Path.Combine(_folder, "not-a-socket");
        await File.WriteAllTextAsync(file, "data");
        var refused = await Assert.ThrowsAsync<ControlSocketException>(() => StartAsync(new ControlSettings { SocketPath = file }, "third"));
        Assert.Contains("is a file that is not a socket", refused.Message, StringComparison.Ordinal);
        Assert.Equal("data", await File.ReadAllTextAsync(file));
    }

    private async Task<MountServerHost> StartAsync(ControlSettings control, string name = "first")
    {
        var repositoryPath = Path.Combine(_folder, "repo");
        if (!Directory.Exists(repositoryPath))
        {
            var image = Path.Combine(_folder, "disk0.raw");
            await File.WriteAllBytesAsync(image, new byte[1 << 20]);
            using var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024), password: null);
            await repository.BackupAsync(new BackupRequest("vm1", [image]));
        }

        var host = await MountServerHost.StartAsync(new MountServerSettings
        {
            RepositoryPath = repositoryPath,
            CacheRoot = Path.Combine(_folder, "cache-" + name),
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
            Control = control,
        }, NullLoggerFactory.Instance);
        if (name == "first" && control.Audit is null)
            await host.PublishAsync("vm1", null);
        return host;
    }

    /// <summary>One control call as nobody with <paramref name="gid"/> as its only group: accept status, status word and count, or PermissionError.</summary>
    private static async Task<string> RunAs(uint gid, string socket, uint procedure) =>
        string.Join(' ', await UnprivilegedRpcCall.OverUnixSocketAsync(socket, gid, ControlConstants.Program, ControlConstants.FirstVersion, procedure));
}
