using System.Diagnostics;
using System.Net.Http.Json;
using System.Security;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// A job with <c>--connect qemu+tls://</c> backs up a writing domain on a second libvirt host live (libvirt's NBD
/// export on TCP at that host, with TLS), once on demand and then by its schedule, the second run incremental; each
/// new restore point is verified by booting it on that same host (<c>--verify boot --host</c>), beside the domain.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class JobRemoteLibvirtTests(GuestImage guest)
{
    private const string Domain = "lifeboat-remote-job";
    private const string RecordMarker = "LIFEBOAT-GUEST-RECORD";
    private const long RecordBytes = 4096;
    private const long NoiseBytes = 8 * 1024 * 1024;
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_job_with_connect_backs_up_a_domain_on_a_remote_host_over_tls_and_its_scheduled_run_is_incremental()
    {
        using var folder = new TestFolder();
        var host = await LibvirtTestHost.StartAsync();
        try
        {
            var serialLog = folder.Combine("serial.log");
            await StartRecordingDomainAsync(host, folder, serialLog);
            await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
            var cli = new JobCli(server);
            using (var added = await server.Http.PostAsJsonAsync("api/hosts", new Contracts.Hosts.AddHostRequest("kvm2", host.TcpUri), ContractsJsonContext.Default.AddHostRequest))
                Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
            cli.RunJson(ContractsJsonContext.Default.JobView,
                "job", "add", "remote", "--vm", Domain, "--libvirt", Domain, "--connect", host.TlsUri, "--schedule", "every 1m", "--keep-last", "2", "--retries", "0",
                "--verify", "boot", "--host", "kvm2");

            var recordsBefore = LastRecord(serialLog);
            var first = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "remote");
            Assert.True(first.Outcome == JobRunOutcome.Succeeded, first.Error);
            Assert.Equal("file-system-consistent", first.Consistency);
            Assert.False(first.ChangeTrackingUsed);
            Assert.Contains("on host kvm2", first.Verification, StringComparison.Ordinal);
            var verification = await WaitForVerificationAsync(server, first.RestorePointId!);
            Assert.True(verification.Outcome!.Passed, verification.Outcome.Reason);
            var verified = await server.GetAsync(verification.SessionId);
            Assert.Equal("kvm2", verified.Host);

            var scheduled = await WaitForScheduledRunAsync(server);
            Assert.True(scheduled.Outcome == JobRunOutcome.Succeeded, $"{scheduled.Error}{Environment.NewLine}{server.ReadLog()}");
            Assert.True(scheduled.ChangeTrackingUsed, scheduled.ChangeTracking);
            Assert.Contains(first.RestorePointId!, scheduled.ChangeTracking, StringComparison.Ordinal);
            // The guest appends a synced 4 KiB record many times a second: the minute until the schedule's run is most of what it reads.
            var written = (LastRecord(serialLog) - recordsBefore) * RecordBytes;
            Assert.InRange(scheduled.BytesRead!.Value, 1, written + NoiseBytes);

            using var repository = BackupRepository.Open(server.RepositoryPath, password: null);
            var point = repository.GetRestorePoint(scheduled.RestorePointId!);
            Assert.StartsWith($"vda via {host.HostAddress}:", point.Disks[0].SourcePath, StringComparison.Ordinal);
            Assert.EndsWith("(TCP, TLS)", point.Disks[0].SourcePath, StringComparison.Ordinal);
            Assert.True((await repository.VerifyAsync()).Ok);
            var checkpoints = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "checkpoint-list", Domain, "--name");
            Assert.Equal([point.Disks[0].ChangeTracking!.TrackingId!], checkpoints.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>The test guest appending records to its qcow2 overlay in this machine's /tmp, as a transient domain on the host.</summary>
    private async Task StartRecordingDomainAsync(LibvirtTestHost host, TestFolder folder, string serialLog)
    {
        // The domain records (its fw_cfg says so); a verification boots its backup without that entry, and the disk's
        // own /etc/lifeboat/mode then keeps it running (the guest's default powers off).
        var disk = folder.Combine("guest.raw");
        File.Copy(guest.RawDisk, disk);
        var mode = folder.Combine("mode");
        await File.WriteAllTextAsync(mode, "stay");
        var commands = folder.Combine("debugfs.cmd");
        await File.WriteAllTextAsync(commands, $"mkdir /etc/lifeboat\nrm /etc/lifeboat/mode\nwrite {mode} /etc/lifeboat/mode\n");
        await Tools.RunOkAsync("debugfs", "-w", "-f", commands, $"{disk}?offset={guest.RootPartitionOffset}");
        var overlay = folder.Combine("guest.qcow2");
        await Tools.RunCheckedAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", disk, "-F", "raw", overlay);
        var xml = folder.Combine("domain.xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='qemu'>
              <name>{Domain}</name>
              <memory unit='MiB'>256</memory>
              <vcpu>1</vcpu>
              <sysinfo type='fwcfg'><entry name='{GuestImage.ModeEntry}'>records</entry></sysinfo>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <features><acpi/></features>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source file='{SecurityElement.Escape(overlay)}'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <serial type='file'><source path='{SecurityElement.Escape(serialLog)}'/><target port='0'/></serial>
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
              </devices>
              <seclabel type='static' model='dac' relabel='no'><label>root:root</label></seclabel>
            </domain>
            """);
        await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "create", xml);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(serialLog) || !File.ReadAllText(serialLog).Contains(RecordMarker, StringComparison.Ordinal)
            || (await Tools.RunAsync("virsh", "-c", host.TcpUri, "qemu-agent-command", Domain, """{"execute":"guest-ping"}""")).ExitCode != 0)
        {
            Assert.True(clock.Elapsed < BootTimeout, "the domain on the test host did not start writing records with its agent up");
            await Task.Delay(200);
        }
    }

    private static long LastRecord(string serialLog) => GuestRecords.Last(serialLog, RecordMarker);

    private static async Task<VerificationView> WaitForVerificationAsync(ServerProcess server, string restorePoint)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var verifications = (await server.Http.GetFromJsonAsync("api/verifications", ContractsJsonContext.Default.ListVerificationView))!;
            if (verifications.FirstOrDefault(v => v.RestorePointId == restorePoint && v.Outcome is not null) is { } done)
                return done;
            Assert.True(clock.Elapsed < BootTimeout, $"the job's verification of {restorePoint} did not end in {BootTimeout}:{Environment.NewLine}{server.ReadLog()}");
            await Task.Delay(500);
        }
    }

    private static async Task<JobRunView> WaitForScheduledRunAsync(ServerProcess server)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var runs = (await server.Http.GetFromJsonAsync("api/jobs/remote/history", ContractsJsonContext.Default.ListJobRunView))!;
            if (runs.FirstOrDefault(r => r.Trigger == JobRunTrigger.Schedule && r.IsFinal) is { } run)
                return run;
            Assert.True(clock.Elapsed < RunTimeout, $"no scheduled run of the job ended in {RunTimeout}:{Environment.NewLine}{server.ReadLog()}");
            await Task.Delay(200);
        }
    }
}
