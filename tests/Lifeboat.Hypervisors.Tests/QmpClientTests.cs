using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>QMP against a real QEMU with no hardware (<c>-machine none</c>): it starts in a fraction of a second.</summary>
public sealed class QmpClientTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestDirectory _folder = new();

    [Fact]
    public async Task Greeting_reports_the_version_of_the_qemu_binary()
    {
        await using var vm = await StartAsync();
        var versionText = (await Tools.RunOkAsync(QemuAccelerator.DefaultQemuBinary, "--version")).Stdout;
        var expected = Regex.Match(versionText, @"version (\d+)\.(\d+)\.(\d+)");
        Assert.True(expected.Success, versionText);
        Assert.Equal(new Version(expected.Groups[1].Value + "." + expected.Groups[2].Value + "." + expected.Groups[3].Value), vm.Qmp.QemuVersion);
    }

    [Fact]
    public async Task Stop_and_cont_change_the_status_and_raise_events()
    {
        await using var vm = await StartAsync();
        Assert.True((await vm.QueryStatusAsync()).Running);

        await vm.Qmp.ExecuteAsync("stop");
        var stop = await vm.Qmp.WaitForEventAsync("STOP").WaitAsync(Timeout);
        Assert.Equal(new QemuRunStatus("paused", Running: false), await vm.QueryStatusAsync());

        await vm.Qmp.ExecuteAsync("cont");
        var resume = await vm.Qmp.WaitForEventAsync("RESUME").WaitAsync(Timeout);
        Assert.True((await vm.QueryStatusAsync()).Running);
        Assert.True(resume.Timestamp >= stop.Timestamp);
    }

    [Fact]
    public async Task Errors_carry_the_class_and_description_qemu_gave()
    {
        await using var vm = await StartAsync();
        var unknown = await Assert.ThrowsAsync<QmpException>(() => vm.Qmp.ExecuteAsync("no-such-command"));
        Assert.Equal("CommandNotFound", unknown.ErrorClass);
        Assert.Contains("no-such-command", unknown.Description, StringComparison.Ordinal);

        var badArguments = await Assert.ThrowsAsync<QmpException>(
            () => vm.Qmp.ExecuteAsync("query-status", new JsonObject { ["unexpected"] = 1 }));
        Assert.Equal("GenericError", badArguments.ErrorClass);

        // The connection is still usable after errors.
        Assert.True((await vm.QueryStatusAsync()).Running);
    }

    [Fact]
    public async Task Concurrent_commands_each_get_their_own_answer()
    {
        await using var vm = await StartAsync();
        var commands = Enumerable.Range(0, 32).Select(index => index % 2 == 0
            ? vm.Qmp.ExecuteAsync("query-name")
            : vm.Qmp.ExecuteAsync("human-monitor-command", JsonDocument.Parse("""{"command-line": "info name"}""").RootElement));
        var answers = await Task.WhenAll(commands);
        for (var index = 0; index < answers.Length; index++)
        {
            var name = index % 2 == 0 ? answers[index]!["name"]!.GetValue<string>() : answers[index]!.GetValue<string>();
            Assert.Contains(vm.Name, name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Quit_closes_the_connection_and_later_commands_fail_clearly()
    {
        await using var vm = await StartAsync();
        await vm.Qmp.ExecuteAsync("quit");
        await vm.WaitForExitAsync(Timeout);

        // The events channel completes when QEMU closes the socket.
        await foreach (var qmpEvent in vm.Qmp.Events.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            Assert.NotNull(qmpEvent.Name);
        }

        Assert.False(vm.Qmp.IsConnected);
        var failure = await Assert.ThrowsAnyAsync<IOException>(() => vm.Qmp.ExecuteAsync("query-status"));
        Assert.Contains("query-status", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_client_connects_once_the_first_is_disposed()
    {
        var vm = await StartAsync();
        await vm.DisposeAsync();
        await using var again = await QemuVm.AttachAsync(vm.Paths.RuntimeDirectory);
        Assert.True((await again.QueryStatusAsync()).Running);
        await again.QuitAsync(Timeout);
        Assert.False(again.IsRunning);
    }

    [Fact]
    public async Task A_peer_that_sends_garbage_fails_the_connection_without_crashing()
    {
        var socketPath = _folder.Combine("fake.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        var peer = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync();
            await connection.SendAsync("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n[1, 2, 3]\r\n"u8.ToArray());
            // Keeps the socket open until the client gives up on its own and closes it.
            var rest = new byte[4096];
            while (await connection.ReceiveAsync(rest) > 0)
            {
            }
        });

        var failure = await Assert.ThrowsAnyAsync<IOException>(() => QmpClient.ConnectAsync(socketPath));
        Assert.Contains("qmp_capabilities", failure.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(failure.InnerException);
        await peer.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connecting_where_nothing_listens_says_so()
    {
        var failure = await Assert.ThrowsAsync<IOException>(() => QmpClient.ConnectAsync(_folder.Combine("missing.sock")));
        Assert.Contains("check that the VM is running", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    private Task<QemuVm> StartAsync() => new QemuLauncher().StartAsync(
        new QemuVmDescription
        {
            Name = "qmp-" + Guid.NewGuid().ToString("N")[..8],
            MachineType = "none",
            MemoryMiB = 16,
            Accelerator = QemuAcceleratorKind.Tcg,
        },
        _folder.Combine(Guid.NewGuid().ToString("N")[..8]));
}
