using System.Diagnostics;
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
    private const uint NoGroup = 65534;
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
        Assert.Equal(NoGroup.ToString(), (await Run("stat", "-c", "%g", socket)).Trim());

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
        await Run("/usr/bin/python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket);
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

    /// <summary>python3 as uid nobody with <paramref name="gid"/> as its only group: one control call, printing accept status, status word and count.</summary>
    private static Task<string> RunAs(uint gid, string socket, uint procedure) => Run(
        "setpriv", "--reuid=65534", $"--regid={gid}", "--clear-groups", "/usr/bin/python3", "-c", """
            import socket, struct, sys
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
            except PermissionError:
                print('PermissionError'); sys.exit(0)
            body = struct.pack('>IIIIII', 9, 0, 2, 0x20004C42, 1, int(sys.argv[2])) + struct.pack('>IIII', 0, 0, 0, 0)
            s.sendall(struct.pack('>I', 0x80000000 | len(body)) + body)
            data = b''
            while len(data) < 4 or len(data) < 4 + (struct.unpack('>I', data[:4])[0] & 0x7fffffff):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            words = struct.unpack('>8I', data[4:36])
            print(words[5], words[6], words[7])
            """, socket, procedure.ToString());

    private static async Task<string> Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}: {stderr}");
        return await stdout;
    }
}
