using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Tests;

/// <summary>A client the server's AcceptClient refuses learns no export: every option that would list or open one gets NBD_REP_ERR_POLICY.</summary>
public sealed class RefusedClientTests
{
    [Fact]
    public async Task A_refused_client_gets_err_policy_for_list_info_and_go_and_no_export_name_or_size()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder, options => options.AcceptClient = _ => false);
        server.Exports.Set("secret", new MemoryBlockDevice(65536));
        await using var raw = await RawNbd.ConnectAsync(server.EndPoint);
        await raw.GreetAsync();

        foreach (var (option, data) in new[] { (NbdOption.List, Array.Empty<byte>()), (NbdOption.Info, RawNbd.GoData("secret")), (NbdOption.Go, RawNbd.GoData("secret")) })
        {
            await raw.SendOptionAsync(option, data);
            var reply = await raw.ReadOptionReplyAsync();
            Assert.Equal(((uint)option, NbdOptionReplyType.ErrPolicy), (reply.Option, reply.Type));
            Assert.DoesNotContain("secret", System.Text.Encoding.UTF8.GetString(reply.Data), StringComparison.Ordinal);
        }

        // NBD_OPT_EXPORT_NAME has no error reply: the connection is closed.
        await raw.SendOptionAsync(NbdOption.ExportName, "secret"u8.ToArray());
        Assert.True(await raw.IsClosedByServerAsync());

        var refused = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(server.EndPoint, "secret"));
        Assert.Contains("ErrPolicy", refused.Message, StringComparison.Ordinal);
        Assert.Contains(server.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("may open no export", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_decision_is_asked_once_per_connection_with_its_socket()
    {
        using var folder = new TestFolder();
        var asked = new List<System.Net.EndPoint?>();
        await using var server = TestServer.Start(folder, options => options.AcceptClient = socket =>
        {
            lock (asked)
            {
                asked.Add(socket.RemoteEndPoint);
            }

            return true;
        });
        server.Exports.Set("x", new MemoryBlockDevice(65536));

        await using (var client = await NbdClient.ConnectAsync(server.EndPoint, "x"))
        {
            await client.ReadAsync(0, new byte[4096]);
            await client.ReadAsync(4096, new byte[4096]);
        }

        var remote = Assert.IsType<System.Net.IPEndPoint>(Assert.Single(asked));
        Assert.True(System.Net.IPAddress.IsLoopback(remote.Address));
    }
}
