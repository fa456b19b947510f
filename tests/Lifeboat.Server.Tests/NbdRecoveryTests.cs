using Lifeboat.MountServer.Control;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// `lifeboat instant-recover --protocol nbd`: QEMU's nbd driver runs the guest from the mount server's NBD exports,
/// over the mount server's unix socket.
/// </summary>
[Collection(GuestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NbdRecoveryTests(GuestImage guest)
{
    [Fact]
    public async Task The_guest_boots_and_writes_over_nbd_and_the_steps_say_so()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("write,stay") with { Protocol = DiskProtocols.Nbd });
        await Recovery.WaitForMarkerAsync(server, ready.Id);

        // QEMU runs on this host: it reaches the disks over the NBD socket beside the control socket, which only root and group lifeboat may open.
        var socket = new ServerOptions { DataDirectory = server.DataDirectory }.DefaultControlSocket;
        var nbdSocket = ControlSettings.NbdSocketBeside(socket);
        var publish = Assert.Single(ready.Steps, s => s.Name == "Publish the VM in the datastore");
        Assert.StartsWith($"over NBD: nbd+unix:///{ready.Publication}/disk0?socket={nbdSocket}", publish.Message, StringComparison.Ordinal);
        Assert.All(ready.DiskUrls, url => Assert.StartsWith("nbd+unix:///", url, StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(nbdSocket));
        var nobody = await Tools.RunAsNobodyAsync("nbdinfo", ready.DiskUrls[0]);
        Assert.True(nobody.ExitCode != 0, $"nbdinfo as nobody opened the VM's disk: {nobody.Output}");

        // The hosted mount server's control socket: a running session's publication is not unpublished behind its back,
        // and the attempt is in the audit log with the caller's uid and pid.
        await using (var control = await ControlClient.ConnectAsync(socket))
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => control.UnpublishAsync(ready.Publication!));
            Assert.Contains($"belongs to running session {ready.Id}", refused.Message, StringComparison.Ordinal);
            Assert.Contains(await control.ListAsync(), p => p.Name == ready.Publication);
        }

        var audit = await server.Http.GetStringAsync("api/audit?action=publication.unpublish");
        Assert.Contains($"\"target\":\"{ready.Publication}\"", audit, StringComparison.Ordinal);
        Assert.Contains($"unix pid {Environment.ProcessId}", audit, StringComparison.Ordinal);
        Assert.Contains("failed: Publication", audit, StringComparison.Ordinal);

        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            answer.EnsureSuccessStatusCode();
        var stopped = await server.WaitForEndAsync(ready.Id, TimeSpan.FromMinutes(1));
        Assert.Equal(SessionState.Stopped, stopped.State);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }
}
