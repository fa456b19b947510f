using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>A way to a guest agent: QEMU's channel socket (<see cref="QemuGuestAgentClient"/>) or libvirt's agent command.</summary>
public interface IGuestAgent
{
    /// <summary>Runs an agent command and returns its <c>return</c> value.</summary>
    /// <exception cref="TimeoutException">The agent did not answer in time.</exception>
    /// <exception cref="GuestAgentException">The agent answered with an error.</exception>
    /// <exception cref="IOException">The way to the agent broke.</exception>
    Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken = default);
}
