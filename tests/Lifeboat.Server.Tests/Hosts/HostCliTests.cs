using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Xunit.Abstractions;

namespace Lifeboat.Server.Tests.Hosts;

/// <summary>
/// The real `lifeboat` CLI against a real server and a second libvirt host: `host add` says what the host has and
/// refuses a wrong URI in one sentence, `hosts` lists it, `instant-recover --host` defines the VM there (not powered
/// on, so no guest boots), and `host remove` refuses while that session runs, then removes the host once it is stopped.
/// No guest boots and no NFS client asks portmap on port 111, so the server has ports of its own and the test runs
/// beside the guest tests instead of taking its turn among them.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Hosts_are_added_listed_recovered_onto_and_removed_with_the_cli()
    {
        using var folder = new TestFolder();
        await using var host = await LibvirtTestHost.StartAsync();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"),
            "--portmap-port", FreePorts.Tcp().ToString(CultureInfo.InvariantCulture), "--nfs-port", "0", "--nbd-port", "0");
        var guest = new GuestImage();
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var cli = new JobCli(server);

        var added = cli.Run("host", "add", "kvm2", "--connect", host.TcpUri).ShouldSucceed().Stdout;
        Assert.Contains("Host kvm2", added, StringComparison.Ordinal);
        Assert.Matches(@"libvirt \d+\.\d+\.\d+, QEMU \d+\.\d+", added);
        Assert.Matches(@"\b[1-9]\d* CPUs", added);
        Assert.Contains("block drivers nfs nbd", added, StringComparison.Ordinal);
        Assert.Contains($"mount server at {host.LocalAddress}", added, StringComparison.Ordinal);

        // Nothing listens on port 1 there: the host's sentence names the URI. A URI libvirt cannot take names the flag.
        var unreachable = $"qemu+tcp://{host.HostAddress}:1/system";
        Assert.Contains(unreachable, RefusedSentence(cli, unreachable), StringComparison.Ordinal);
        Assert.Contains("--connect 'http://kvm3.example/'", RefusedSentence(cli, "http://kvm3.example/"), StringComparison.Ordinal);

        var table = cli.Run("hosts").ShouldSucceed().Stdout;
        Assert.Contains("local", table, StringComparison.Ordinal);
        Assert.Contains(host.TcpUri, table, StringComparison.Ordinal);
        Assert.DoesNotContain("kvm3", table, StringComparison.Ordinal);
        Assert.Equal(["local", "kvm2"], HostNames(cli));

        var recovered = cli.Run("instant-recover", "--vm", "guest", "--host", "kvm2", "--protocol", "nbd", "--name", "web01", "--no-power-on");
        recovered.ShouldSucceed();
        Assert.Contains("onto host kvm2", recovered.Stdout, StringComparison.Ordinal);
        Assert.Contains("not powered on", recovered.Stdout, StringComparison.Ordinal);
        var sessionId = recovered.Stdout.Split("Session ", 2)[1].Split(':', 2)[0];
        var session = await server.GetAsync(sessionId);
        Assert.Equal(SessionState.Ready, session.State);
        Assert.Equal("kvm2", session.Host);
        var publish = Assert.Single(session.Steps, s => s.Name == "Publish the VM in the datastore");
        Assert.Contains($"nbd://{host.LocalAddress}:", publish.Message, StringComparison.Ordinal);
        Assert.Contains("host kvm2", Assert.Single(session.Steps, s => s.Name == "Check the host").Message, StringComparison.Ordinal);
        Assert.Single(session.Steps, s => s.Name == "Define the VM");
        Assert.Equal(StepResult.Skipped, Assert.Single(session.Steps, s => s.Name == "Power on the VM").Result);
        Assert.Equal("shut off", (await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "domstate", "web01")).Trim());

        var busy = cli.Run("host", "remove", "kvm2");
        Assert.True(busy.ExitCode != 0, busy.ToString());
        Assert.Contains(sessionId, busy.Stderr, StringComparison.Ordinal);
        output.WriteLine($"host remove kvm2 while {sessionId} runs there: {busy.Stderr.Trim()}");
        Assert.Equal(["local", "kvm2"], HostNames(cli));

        cli.Run("stop", sessionId).ShouldSucceed();
        Assert.Equal(SessionState.Stopped, (await server.WaitForEndAsync(sessionId, TimeSpan.FromMinutes(1))).State);
        Assert.Equal("", (await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "list", "--all", "--name")).Trim());
        Assert.Contains("Removed host kvm2", cli.Run("host", "remove", "kvm2").ShouldSucceed().Stdout, StringComparison.Ordinal);
        Assert.Equal(["local"], HostNames(cli));
    }

    private string RefusedSentence(JobCli cli, string uri)
    {
        var refused = cli.Run("host", "add", "kvm3", "--connect", uri);
        Assert.True(refused.ExitCode != 0, refused.ToString());
        var sentence = refused.Stderr.Trim();
        output.WriteLine($"host add --connect {uri}: {sentence}");
        Assert.DoesNotContain('\n', sentence);
        return sentence;
    }

    private static string[] HostNames(JobCli cli)
    {
        using var hosts = JsonDocument.Parse(cli.Run("hosts", "--json").ShouldSucceed().Stdout);
        return [.. hosts.RootElement.EnumerateArray().Select(h => h.GetProperty("name").GetString()!)];
    }
}
