using System.Diagnostics;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// Freezes a guest's file systems through its QEMU guest agent around one short step, and always thaws them after,
/// whatever the step did. Without an agent, or when it does not answer, the step runs anyway and the result says why
/// it is only crash-consistent.
/// </summary>
internal static class GuestFreeze
{
    private const string ChardevUnixPrefix = "unix:";
    private const string DisconnectedPrefix = "disconnected:";
    private static readonly TimeSpan ThawTimeout = TimeSpan.FromSeconds(30);

    public static async Task<(string Kind, double? FrozenMilliseconds, string? Reason)> RunFrozenAsync(
        string vm, string? agentSocket, string? noAgentReason, TimeSpan freezeTimeout, Func<Task> step, ILogger logger, CancellationToken cancellationToken)
    {
        if (agentSocket is null)
        {
            await step().ConfigureAwait(false);
            var reason = noAgentReason ?? "the VM has no guest agent";
            QemuLog.CrashConsistent(logger, vm, reason);
            return (ConsistencyKinds.Crash, null, reason);
        }

        QemuGuestAgentClient? agent = null;
        string? failure = null;
        var clock = Stopwatch.StartNew();
        double frozen = 0;
        try
        {
            try
            {
                agent = await QemuGuestAgentClient.ConnectAsync(agentSocket, cancellationToken).ConfigureAwait(false);
                clock.Restart();
                await agent.ExecuteAsync("guest-fsfreeze-freeze", null, freezeTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or GuestAgentException)
            {
                failure = $"the guest agent could not freeze the file systems ({ex.Message})";
            }

            await step().ConfigureAwait(false);
        }
        finally
        {
            // Also after a failed or timed-out freeze: the agent may still have frozen them.
            if (agent is not null)
            {
                await ThawAsync(vm, agent, logger).ConfigureAwait(false);
                frozen = clock.Elapsed.TotalMilliseconds;
                await agent.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (failure is not null)
        {
            QemuLog.CrashConsistent(logger, vm, failure);
            return (ConsistencyKinds.Crash, null, failure);
        }

        QemuLog.GuestFrozen(logger, vm, frozen);
        return (ConsistencyKinds.FileSystem, frozen, null);
    }

    /// <summary>
    /// Thaws a guest that a killed backup left frozen (it would not write again until thawed). An agent that does not
    /// answer is left to the freeze that follows.
    /// </summary>
    public static async Task ThawIfLeftFrozenAsync(string vm, string agentSocket, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await using var agent = await QemuGuestAgentClient.ConnectAsync(agentSocket, cancellationToken).ConfigureAwait(false);
            var status = await agent.ExecuteAsync("guest-fsfreeze-status", null, timeout, cancellationToken).ConfigureAwait(false);
            if (QmpJson.String(status) == "frozen")
            {
                await ThawAsync(vm, agent, logger).ConfigureAwait(false);
                QemuLog.ThawedLeftFrozen(logger, vm);
            }
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or GuestAgentException)
        {
            // The freeze reports what is wrong with the agent.
        }
    }

    /// <summary>
    /// The host end of the VM's guest agent channel: the unix socket of the chardev behind the virtserialport named
    /// <see cref="QemuGuestAgentClient.PortName"/>. Null when the VM has none (or it is not a unix socket server).
    /// </summary>
    public static async Task<string?> DiscoverSocketAsync(QmpClient qmp, CancellationToken cancellationToken)
    {
        string? chardev = null;
        foreach (var container in new[] { "/machine/peripheral", "/machine/peripheral-anon" })
        {
            var children = await qmp.ExecuteAsync("qom-list", new JsonObject { ["path"] = container }, cancellationToken).ConfigureAwait(false);
            foreach (var child in children as JsonArray ?? [])
            {
                if (QmpJson.String(child?["type"]) != "child<virtserialport>" || QmpJson.String(child?["name"]) is not { } name)
                {
                    continue;
                }

                var path = container + "/" + name;
                var portName = await qmp.ExecuteAsync("qom-get", new JsonObject { ["path"] = path, ["property"] = "name" }, cancellationToken).ConfigureAwait(false);
                if (QmpJson.String(portName) == QemuGuestAgentClient.PortName)
                {
                    chardev = QmpJson.String(await qmp.ExecuteAsync("qom-get", new JsonObject { ["path"] = path, ["property"] = "chardev" }, cancellationToken).ConfigureAwait(false));
                    break;
                }
            }

            if (chardev is not null)
            {
                break;
            }
        }

        if (chardev is null)
        {
            return null;
        }

        var chardevs = await qmp.ExecuteAsync("query-chardev", cancellationToken: cancellationToken).ConfigureAwait(false);
        var filename = (chardevs as JsonArray ?? []).Where(c => QmpJson.String(c?["label"]) == chardev).Select(c => QmpJson.String(c?["filename"])).FirstOrDefault();
        return SocketPathOf(filename);
    }

    /// <summary>"unix:/run/vm/qga.sock,server=on" (or with "disconnected:" before it while no client is connected) → the path.</summary>
    internal static string? SocketPathOf(string? chardevFilename)
    {
        var text = chardevFilename;
        if (text is null)
        {
            return null;
        }

        if (text.StartsWith(DisconnectedPrefix, StringComparison.Ordinal))
        {
            text = text[DisconnectedPrefix.Length..];
        }

        if (!text.StartsWith(ChardevUnixPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        text = text[ChardevUnixPrefix.Length..];
        var comma = text.IndexOf(',', StringComparison.Ordinal);
        return comma < 0 ? text : text[..comma];
    }

    private static async Task ThawAsync(string vm, QemuGuestAgentClient agent, ILogger logger)
    {
        try
        {
            // Not cancellable: a guest left frozen stops writing until someone thaws it.
            await agent.ExecuteAsync("guest-fsfreeze-thaw", null, ThawTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or GuestAgentException)
        {
            QemuLog.ThawFailed(logger, vm, ex.Message);
        }
    }
}
