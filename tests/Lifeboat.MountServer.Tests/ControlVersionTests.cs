using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Lifeboat.MountServer.Control;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nfs.Server;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.MountServer.Tests;

/// <summary>
/// The control program's publish across versions: a version 2 client (no clients field) still publishes and reads
/// its reply, version 3 narrows a publication, and a clients list past its cap or not of addresses is refused as
/// garbage before anything is published.
/// </summary>
public sealed class ControlVersionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-ms-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_version_2_client_still_publishes_and_version_3_narrows_within_its_caps()
    {
        var image = Path.Combine(_folder, "disk0.raw");
        await File.WriteAllBytesAsync(image, new byte[128 * 1024]);
        var repositoryPath = Path.Combine(_folder, "repo");
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024), password: null))
            await repository.BackupAsync(new BackupRequest("vm1", [image]));
        var socket = Path.Combine(_folder, "control.sock");
        await using var host = await MountServerHost.StartAsync(new MountServerSettings
        {
            RepositoryPath = repositoryPath,
            CacheRoot = Path.Combine(_folder, "cache"),
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
            Control = new ControlSettings { SocketPath = socket },
        }, NullLoggerFactory.Instance);
        await using var rpc = await RpcClient.ConnectAsync(new UnixDomainSocketEndPoint(socket));

        var old = await rpc.CallAsync(ControlConstants.Program, ControlConstants.ReadOnlyVersion, (uint)ControlProc.Publish, Publish(readOnly: true, clients: null));
        var reader = new XdrReader(old.EnsureSuccess().Results.Span);
        Assert.Equal(ControlCodec.Ok, reader.ReadUInt32());
        Assert.Equal("vm1", reader.ReadString(255));
        for (var skipped = 0; skipped < 3; skipped++)
            reader.ReadString(4096);
        for (var lists = 0; lists < 4; lists++)
        {
            for (var count = reader.ReadUInt32(); count > 0; count--)
                reader.ReadString(8192);
        }
        Assert.True(reader.ReadBool());
        Assert.Equal(0, reader.Remaining);

        var tooMany = Enumerable.Repeat("198.18.0.2", ControlConstants.MaxClients + 1).ToArray();
        Assert.Equal(RpcAcceptStatus.GarbageArgs, (await rpc.CallAsync(ControlConstants.Program, ControlConstants.Version, (uint)ControlProc.Publish, Publish(false, tooMany))).AcceptStatus);
        Assert.Equal(RpcAcceptStatus.GarbageArgs, (await rpc.CallAsync(ControlConstants.Program, ControlConstants.Version, (uint)ControlProc.Publish, Publish(false, ["kvm2.example"]))).AcceptStatus);
        Assert.Single(host.Publications);

        await using var control = await ControlClient.ConnectAsync(socket);
        var narrowed = await control.PublishAsync("vm1", null, null, clients: [IPAddress.Loopback]);
        Assert.Equal([IPAddress.Loopback], narrowed.Clients);
        Assert.Equal(IPAddress.Loopback, narrowed.ServedAt);
        Assert.Equal([IPAddress.Loopback], Assert.Single(await control.ListAsync(), p => p.Name == narrowed.Name).Clients);
    }

    private static ReadOnlyMemory<byte> Publish(bool readOnly, string[]? clients)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        writer.WriteString("vm1");
        writer.WriteString("");
        writer.WriteString("");
        writer.WriteBool(readOnly);
        if (clients is not null)
        {
            writer.WriteUInt32((uint)clients.Length);
            foreach (var client in clients)
                writer.WriteString(client);
        }
        return buffer.WrittenMemory;
    }
}
