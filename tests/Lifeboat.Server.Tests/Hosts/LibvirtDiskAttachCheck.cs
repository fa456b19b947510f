using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Hosts;

/// <summary>
/// Instant disk recovery on a libvirt host, inside a test whose guest already runs there: disk 0 of the restore point
/// is hot-plugged into that domain as a network disk, the guest reads its first MiB and writes a sector, the disk is
/// block-copied to the host's storage while attached, then detached; nothing of it stays published or in the domain.
/// </summary>
internal static class LibvirtDiskAttachCheck
{
    private const long WriteOffset = 31L * 1024 * 1024;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan GuestCommandTimeout = TimeSpan.FromMinutes(2);

    public static async Task RunAsync(ServerProcess server, LibvirtTestHost host, string hostName, string domain, string rawDisk, string production)
    {
        var publicationsBefore = (await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView))!.Publications;
        SessionView attached;
        using (var answer = await server.Http.PostAsJsonAsync("api/disk-recoveries", new DiskRecoveryRequest("guest", null, 0, domain, hostName), ContractsJsonContext.Default.DiskRecoveryRequest))
        {
            var started = (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
            attached = await server.WaitAsync(started.Id, s => s.State != SessionState.Starting, StepTimeout);
        }

        Assert.True(attached.State == SessionState.Ready, $"{attached.State}: {attached.Error}{Environment.NewLine}{ServerProcess.Describe(attached)}");
        Assert.StartsWith($"nfs://{host.LocalAddress}/", Assert.Single(attached.DiskUrls), StringComparison.Ordinal);
        var serial = attached.DiskRecovery!.DiskId;
        var xml = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "dumpxml", domain);
        Assert.Contains($"<serial>{serial}</serial>", xml, StringComparison.Ordinal);

        var firstMiB = new byte[1024 * 1024];
        await using (var original = File.OpenRead(rawDisk))
            await original.ReadExactlyAsync(firstMiB);
        var mark = Encoding.ASCII.GetBytes("LIFEBOAT-HOTPLUG-WRITE " + serial).Concat(new byte[512]).Take(512).ToArray();
        var seen = await InGuestAsync(host, domain, $$"""
            dev=; for i in $(seq 1 120); do
              for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "{{serial}}" ] && dev=${d##*/}; done
              [ -n "$dev" ] && break; sleep 0.5
            done
            [ -n "$dev" ] || { echo no disk with serial {{serial}}; exit 1; }
            [ -b /dev/$dev ] || mknod /dev/$dev b $(cut -d: -f1 /sys/block/$dev/dev) $(cut -d: -f2 /sys/block/$dev/dev)
            dd if=/dev/$dev bs=1048576 count=1 2>/dev/null | sha256sum
            printf '%s' '{{Encoding.ASCII.GetString(mark).TrimEnd('\0')}}' | dd of=/dev/$dev bs=512 seek={{WriteOffset / 512}} conv=notrunc,fsync 2>/dev/null && sync && echo wrote
            """);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(firstMiB)), seen, StringComparison.Ordinal);
        Assert.Contains("wrote", seen, StringComparison.Ordinal);

        using (var migrate = await server.PostAsync($"api/sessions/{attached.Id}/migrate", new MigrationRequest(production), ContractsJsonContext.Default.MigrationRequest))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, migrate.StatusCode);
        var final = await server.WaitAsync(attached.Id, s => s.State is not (SessionState.Ready or SessionState.Migrating) || s.MigrationError is not null, StepTimeout);
        Assert.True(final.State == SessionState.Finalized, $"{final.State}: {final.MigrationError ?? final.Error}{Environment.NewLine}{ServerProcess.Describe(final)}");
        var productionDisk = Assert.Single(final.ProductionDisks);

        using (var detach = await server.Http.PostAsync($"api/sessions/{attached.Id}/stop", null))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, detach.StatusCode);
        var detached = await server.WaitForEndAsync(attached.Id, StepTimeout);
        Assert.Equal(SessionState.Stopped, detached.State);
        Assert.DoesNotContain(serial, await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "dumpxml", domain), StringComparison.Ordinal);
        Assert.Equal(publicationsBefore, (await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView))!.Publications);

        // The guest's sector is in the production copy the host made; the restore point is checked by the caller.
        var written = new byte[mark.Length];
        await using (var file = File.OpenRead(productionDisk))
        {
            file.Position = WriteOffset;
            await file.ReadExactlyAsync(written);
        }

        Assert.Equal(Encoding.ASCII.GetString(mark).TrimEnd('\0'), Encoding.ASCII.GetString(written).TrimEnd('\0'));
        File.Delete(productionDisk);
    }

    private static async Task<string> InGuestAsync(LibvirtTestHost host, string domain, string script)
    {
        using var libvirt = new LibvirtHost("check", host.TcpUri, null);
        await using var vm = await libvirt.OpenRunningAsync(domain, CancellationToken.None);
        var result = await GuestExec.RunAsync(vm.Agent, "/bin/sh", ["-s"], Encoding.UTF8.GetBytes(script), GuestCommandTimeout);
        Assert.True(result.ExitCode == 0, $"The guest's script ended {result.ExitCode} (timed out: {result.TimedOut}): {result.Output}{result.Error}");
        return result.Output;
    }
}
