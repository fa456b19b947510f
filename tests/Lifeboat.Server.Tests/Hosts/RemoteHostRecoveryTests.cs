using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Hosts;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Hosts;

/// <summary>
/// Instant recovery onto a second libvirt host (its own libvirtd in a network namespace, reached over a veth pair):
/// the VM is a libvirt domain there, its disks network disks on the mount server's veth address, readable by that
/// host alone; it migrates to the host's storage while the guest writes and stays there, persistent, after Finalize.
/// </summary>
[Collection(GuestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RemoteHostRecoveryTests(GuestImage guest)
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_vm_recovered_onto_a_libvirt_host_over_nfs_runs_there_reads_over_the_veth_migrates_and_stays_after_finalize()
    {
        using var folder = new TestFolder();
        await using var host = await LibvirtTestHost.StartAsync();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        var added = await AddHostAsync(server, "kvm2", host.TcpUri);
        Assert.True(added.Reachable, added.Problem);
        Assert.Equal(host.LocalAddress.ToString(), added.MountServerAddress);
        Assert.True(added.NfsDriver, "the test host's QEMU has the nfs driver");
        var hosts = await server.Http.GetFromJsonAsync("api/hosts", ContractsJsonContext.Default.ListHostView);
        Assert.Equal(["local", "kvm2"], hosts!.Select(h => h.Name));

        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("write,stay") with { Host = "kvm2", Name = "web01" });
        Assert.Equal("kvm2", ready.Host);
        var publish = Assert.Single(ready.Steps, s => s.Name == "Publish the VM in the datastore");
        Assert.Contains($"nfs://{host.LocalAddress}/", publish.Message, StringComparison.Ordinal);
        Assert.All(ready.DiskUrls, url => Assert.StartsWith($"nfs://{host.LocalAddress}/", url, StringComparison.Ordinal));
        var marker = await Recovery.WaitForMarkerAsync(server, ready.Id);
        Assert.Matches("^[0-9a-f]{64}$", marker);

        // A restarted server finds the domain again on its host (by its Lifeboat metadata) and serves its disk there again.
        await server.KillAsync();
        await server.StartAgainAsync();
        var resumed = await server.GetAsync(ready.Id);
        Assert.Equal(SessionState.Ready, resumed.State);
        var log = await server.Http.GetFromJsonAsync($"api/sessions/{ready.Id}/log", ContractsJsonContext.Default.ListSessionLogLine);
        Assert.Contains(log!, line => line.Message.Contains("Reattached to the VM web01 on host kvm2", StringComparison.Ordinal));
        var ticks = await Recovery.TickCountAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, Recovery.BootTimeout, ticks + 3);

        // The domain is the host's, as its admins see it; the disk is read from the mount server over the veth pair.
        var list = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "list", "--name");
        Assert.Contains("web01", list.Split('\n', StringSplitOptions.TrimEntries));
        var xml = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "dumpxml", "web01");
        Assert.Contains("protocol='nfs'", xml.Replace('"', '\''), StringComparison.Ordinal);
        Assert.Contains(ready.Id, xml, StringComparison.Ordinal);
        // Only that host may read the publication: root on this machine's loopback (a privileged client) is refused.
        var loopback = ready.DiskUrls[0].Replace(host.LocalAddress.ToString(), "127.0.0.1", StringComparison.Ordinal);
        var refused = await Tools.RunAsync("nfs-ls", loopback[..(loopback.LastIndexOf('/') + 1)]);
        Assert.True(refused.ExitCode != 0 || !refused.Output.Contains("disk0", StringComparison.Ordinal), $"nfs-ls from loopback listed the narrowed publication: {refused.Output}");

        // Live migration to the host's own storage (its /tmp is this machine's), the guest writing all along.
        var production = host.Combine("production");
        Directory.CreateDirectory(production);
        await LibvirtDiskAttachCheck.RunAsync(server, host, "kvm2", "web01", guest.RawDisk, production);
        using (var answer = await server.Http.PostAsJsonAsync($"api/sessions/{ready.Id}/migrate", new MigrationRequest(production), ContractsJsonContext.Default.MigrationRequest))
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var finalized = await server.WaitForEndAsync(ready.Id, MigrationTimeout);
        Assert.True(finalized.State == SessionState.Finalized, $"{finalized.State}: {finalized.MigrationError ?? finalized.Error}{Environment.NewLine}{ServerProcess.Describe(finalized)}");
        Assert.All(finalized.ProductionDisks, disk => Assert.StartsWith(production, disk, StringComparison.Ordinal));
        var info = await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView);
        Assert.Equal(0, info!.Publications);

        // The domain is persistent on its production disk: destroyed and started again, it boots from there.
        var dominfo = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "dominfo", "web01");
        Assert.Matches(@"Persistent:\s+yes", dominfo);
        var afterXml = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "dumpxml", "web01");
        Assert.DoesNotContain("protocol='nfs'", afterXml.Replace('"', '\''), StringComparison.Ordinal);
        Assert.Contains(finalized.ProductionDisks[0], afterXml, StringComparison.Ordinal);
        await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "destroy", "web01");
        await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "start", "web01");
        await WaitForAgentAsync(host.TcpUri, "web01");
        await Tools.RunAsync("virsh", "-c", host.TcpUri, "destroy", "web01");
        await Tools.RunAsync("virsh", "-c", host.TcpUri, "undefine", "web01");
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }

    [Fact]
    public async Task A_verification_on_a_libvirt_host_over_tls_and_nbd_boots_checks_and_leaves_nothing_there()
    {
        using var folder = new TestFolder();
        await using var host = await LibvirtTestHost.StartAsync();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        await AddHostAsync(server, "kvm2", host.TlsUri);

        VerificationRequest request = new()
        {
            Vm = "guest",
            Protocol = DiskProtocols.Nbd,
            Host = "kvm2",
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "write,stay" },
            Checks = [new VerificationCheck { Name = "kernel", Command = "cat /proc/version" }],
        };
        SessionView started;
        using (var answer = await server.PostAsync("api/verifications", request, ContractsJsonContext.Default.VerificationRequest))
        {
            Assert.True(answer.StatusCode == HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
            started = (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
        }

        var ended = await server.WaitForEndAsync(started.Id, TimeSpan.FromMinutes(5));
        var view = await server.Http.GetFromJsonAsync($"api/verifications/{started.Id}", ContractsJsonContext.Default.VerificationView);
        Assert.True(view?.Outcome?.Passed == true, $"{view?.Outcome?.Reason ?? ended.Error}{Environment.NewLine}{ServerProcess.Describe(ended)}");
        Assert.Equal("kvm2", ended.Host);
        Assert.Contains("Linux version", Assert.Single(view!.Outcome!.Checks).Output, StringComparison.Ordinal);
        var publish = Assert.Single(ended.Steps, s => s.Name == "Publish the VM in the datastore");
        Assert.Contains($"nbd://{host.LocalAddress}:", publish.Message, StringComparison.Ordinal);
        using (var picture = await server.Http.GetAsync($"api/verifications/{started.Id}/screenshot"))
            Assert.Equal(HttpStatusCode.OK, picture.StatusCode);
        Assert.Equal("", (await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "list", "--all", "--name")).Trim());
        var info = await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView);
        Assert.Equal(0, info!.Publications);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }

    [Fact]
    public async Task Recoveries_a_host_cannot_run_fail_in_one_sentence_and_leave_nothing_defined_or_published()
    {
        using var folder = new TestFolder();
        await using var host = await LibvirtTestHost.StartAsync(withoutNfsDriver: true);
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        // An unreachable URI is refused when the host is added, naming the field.
        using (var answer = await server.Http.PostAsJsonAsync("api/hosts", new AddHostRequest("nowhere", "qemu+tcp://198.19.255.253/system"), ContractsJsonContext.Default.AddHostRequest))
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains("198.19.255.253", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var added = await AddHostAsync(server, "kvm3", host.TcpUri);
        Assert.False(added.NfsDriver, "the test host hides QEMU's nfs driver");

        // Its QEMU lacks the nfs block driver.
        var noNfs = await FailAsync(server, Recovery.Guest("write,stay") with { Host = "kvm3" });
        Assert.Contains("kvm3", noNfs.Error, StringComparison.Ordinal);
        Assert.Contains("nfs", noNfs.Error, StringComparison.Ordinal);
        Assert.Contains("qemu-block-extra", noNfs.Error, StringComparison.Ordinal);

        // A domain of that name is there already.
        var xml = folder.Combine("taken.xml");
        await File.WriteAllTextAsync(xml, "<domain type='qemu'><name>taken</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>");
        await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "define", xml);
        var taken = await FailAsync(server, Recovery.Guest("write,stay") with { Host = "kvm3", Name = "taken", Protocol = DiskProtocols.Nbd });
        Assert.Contains("taken", taken.Error, StringComparison.Ordinal);
        Assert.Contains("kvm3", taken.Error, StringComparison.Ordinal);
        await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "undefine", "taken");

        // The host cannot reach the mount server at the address it was given (its own loopback, inside its namespace).
        using (var answer = await server.Http.PostAsJsonAsync("api/hosts", new AddHostRequest("blind", host.TcpUri, "127.0.0.1"), ContractsJsonContext.Default.AddHostRequest))
            Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var blind = await FailAsync(server, Recovery.Guest("write,stay") with { Host = "blind", Protocol = DiskProtocols.Nbd });
        Assert.Contains("blind", blind.Error, StringComparison.Ordinal);
        Assert.Contains("mount server at 127.0.0.1", blind.Error, StringComparison.Ordinal);
        Assert.Equal("", (await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "list", "--all", "--name")).Trim());

        // The host's libvirtd dies while the session waits for the guest: the session fails naming the host, and the
        // VM it could not remove then is removed once libvirtd answers again.
        var waiting = await server.RecoverAsync(Recovery.Guest("write,stay") with { Host = "kvm3", Protocol = DiskProtocols.Nbd, ReadyWhen = "console:NEVER-PRINTED", ReadyTimeoutSeconds = 300 });
        await server.WaitAsync(waiting.Id, s => s.Steps.Any(step => step.Name == "Wait for the guest"), Recovery.BootTimeout);
        await host.KillLibvirtdAsync();
        var cut = await server.WaitForEndAsync(waiting.Id, Recovery.BootTimeout);
        Assert.True(cut.State == SessionState.Failed, $"{cut.State}{Environment.NewLine}{ServerProcess.Describe(cut)}");
        Assert.Contains("kvm3", cut.Error, StringComparison.Ordinal);
        await host.StartLibvirtdAsync();
        var swept = System.Diagnostics.Stopwatch.StartNew();
        while ((await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "list", "--all", "--name")).Trim().Length > 0)
        {
            Assert.True(swept.Elapsed < TimeSpan.FromMinutes(1), $"the VM libvirtd could not remove is still on the host:{Environment.NewLine}{server.ReadLog()}");
            await Task.Delay(500);
        }

        var cutLog = await server.Http.GetFromJsonAsync($"api/sessions/{waiting.Id}/log", ContractsJsonContext.Default.ListSessionLogLine);
        Assert.Contains(cutLog!, line => line.Message.StartsWith("Host kvm3 answers again", StringComparison.Ordinal));

        // The host's libvirtd is gone.
        await host.KillLibvirtdAsync();
        var gone = await FailAsync(server, Recovery.Guest("write,stay") with { Host = "kvm3", Protocol = DiskProtocols.Nbd });
        Assert.Contains("kvm3", gone.Error, StringComparison.Ordinal);
        var hosts = await server.Http.GetFromJsonAsync("api/hosts", ContractsJsonContext.Default.ListHostView);
        var kvm3 = Assert.Single(hosts!, h => h.Name == "kvm3");
        Assert.False(kvm3.Reachable);
        Assert.Contains("kvm3", kvm3.Problem, StringComparison.Ordinal);
    }

    private static async Task<HostView> AddHostAsync(ServerProcess server, string name, string uri)
    {
        using var answer = await server.Http.PostAsJsonAsync("api/hosts", new AddHostRequest(name, uri), ContractsJsonContext.Default.AddHostRequest);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.HostView))!;
    }

    /// <summary>Starts a recovery that must fail; checks that nothing of it is left on the host or in the mount server.</summary>
    private static async Task<SessionView> FailAsync(ServerProcess server, RecoveryRequest request)
    {
        var session = await server.RecoverAsync(request);
        var ended = await server.WaitForEndAsync(session.Id, Recovery.BootTimeout);
        Assert.True(ended.State == SessionState.Failed, $"{ended.State}{Environment.NewLine}{ServerProcess.Describe(ended)}");
        Assert.NotNull(ended.Error);
        Assert.DoesNotContain('\n', ended.Error);
        var info = await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView);
        Assert.Equal(0, info!.Publications);
        return ended;
    }

    private static async Task WaitForAgentAsync(string uri, string domain)
    {
        var deadline = DateTime.UtcNow + Recovery.BootTimeout;
        while (true)
        {
            var ping = await Tools.RunAsync("virsh", "-c", uri, "qemu-agent-command", domain, """{"execute":"guest-ping"}""");
            if (ping.ExitCode == 0)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"The guest agent of {domain} did not answer after its restart from production: {ping.Output}");
            await Task.Delay(500);
        }
    }
}
