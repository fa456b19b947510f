using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>The commands a guest agent has enabled, from <c>guest-info</c> (an admin may disable some, e.g. <c>guest-exec</c>).</summary>
public sealed class GuestAgentCommands
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);
    private readonly HashSet<string> _enabled;

    private GuestAgentCommands(HashSet<string> enabled, string version)
    {
        _enabled = enabled;
        Version = version;
    }

    /// <summary>The agent's version as it says it.</summary>
    public string Version { get; }

    public bool Allows(string command) => _enabled.Contains(command);

    /// <summary>Whether programs can run in the guest (folders made, modes and owners set).</summary>
    public bool AllowsExec => Allows("guest-exec") && Allows("guest-exec-status");

    /// <summary>Whether files can be written.</summary>
    public bool AllowsFileWrite => Allows("guest-file-open") && Allows("guest-file-write") && Allows("guest-file-seek") && Allows("guest-file-close");

    /// <exception cref="GuestAgentException">The agent refused guest-info.</exception>
    /// <exception cref="TimeoutException">The agent does not answer.</exception>
    public static async Task<GuestAgentCommands> ReadAsync(IGuestAgent agent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var info = await agent.ExecuteAsync("guest-info", null, CommandTimeout, cancellationToken).ConfigureAwait(false);
        var enabled = new HashSet<string>(StringComparer.Ordinal);
        if (info?["supported_commands"] is JsonArray commands)
        {
            foreach (var command in commands.OfType<JsonObject>())
            {
                if (command["enabled"] is JsonValue on && on.TryGetValue<bool>(out var isOn) && isOn
                    && command["name"] is JsonValue name && name.TryGetValue<string>(out var text))
                    enabled.Add(text);
            }
        }

        var version = info?["version"] is JsonValue v && v.TryGetValue<string>(out var said) ? said : "unknown";
        return new GuestAgentCommands(enabled, version);
    }
}
