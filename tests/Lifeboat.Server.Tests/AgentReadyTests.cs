using System.Net;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The default ready condition follows the recorded hardware: the guest agent's ping for a VM recorded with an agent
/// channel (the test guest runs the real qemu-ga), QEMU running the VM for one recorded without.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class AgentReadyTests(GuestImage guest)
{
    private const string AgentMarker = "LIFEBOAT-GUEST-AGENT";

    [Fact]
    public async Task A_guest_recorded_with_an_agent_channel_is_ready_when_its_agent_answers_and_one_without_when_it_runs()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        Assert.True(backup.VmConfig?.Hardware?.GuestAgent, "the test guest's guest.json records no guest agent channel");

        var session = await server.RecoverAsync(Recovery.Guest("stay") with { ReadyWhen = null });
        Assert.Equal("agent", session.ReadyWhen);
        var ready = await server.WaitAsync(session.Id, s => s.State != SessionState.Starting, Recovery.BootTimeout);
        Assert.True(ready.State == SessionState.Ready, $"The session is {ready.State}: {ready.Error}{Environment.NewLine}{ServerProcess.Describe(ready)}");
        Assert.Equal("agent", ready.ReadyWhen);
        var wait = Assert.Single(ready.Steps, s => s.Name == "Wait for the guest");
        Assert.Equal(StepResult.Ok, wait.Result);
        Assert.Contains("guest agent answered", wait.Message, StringComparison.Ordinal);
        // The agent ran on the channel the host gave the recovered VM, started before the guest reported it booted.
        var console = await server.ConsoleAsync(session.Id);
        Assert.Contains($"{AgentMarker} qemu-ga on /dev/vport", console, StringComparison.Ordinal);
        Assert.True(console.IndexOf(AgentMarker, StringComparison.Ordinal) < console.IndexOf(GuestImage.BootedMarker, StringComparison.Ordinal));
        Assert.True(ready.VmRunning);
        await Recovery.StopCleanlyAsync(server, ready.Id);
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);

        var plain = folder.Combine("plain.json");
        await File.WriteAllTextAsync(plain, """{"cpus": 1, "memoryMiB": 256, "diskBus": "virtio"}""");
        await server.BackupAsync("plain", guest.RawDisk, plain);
        var defined = await server.RecoverAsync(new RecoveryRequest { Vm = "plain", PowerOn = false });
        Assert.Equal("running", defined.ReadyWhen);
        await server.WaitAsync(defined.Id, s => s.State != SessionState.Starting, Recovery.BootTimeout);
        await Recovery.StopCleanlyAsync(server, defined.Id);
    }
}
