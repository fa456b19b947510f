using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// A running QEMU VM, started by <see cref="QemuLauncher"/> or found again with <see cref="AttachAsync"/>.
/// The VM is a daemon of its own: disposing this object only closes the QMP connection, the VM keeps
/// running until it is quit, killed or powered off by its guest.
/// </summary>
public sealed class QemuVm : IAsyncDisposable
{
    private const int MaxMetadataBytes = 1024 * 1024;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one guest agent ping may take before it is sent again. Pings sent while the guest boots wait in the
    /// channel and are answered together as soon as qemu-ga starts, so this bounds only how often they are resent.
    /// </summary>
    private static readonly TimeSpan AgentAttemptTimeout = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger;

    internal QemuVm(string name, int processId, QemuVmPaths paths, QmpClient qmp, ILogger logger)
    {
        Name = name;
        ProcessId = processId;
        Paths = paths;
        Qmp = qmp;
        _logger = logger;
        Serial = new SerialConsole(paths.SerialLog, name, () => IsRunning);
    }

    public string Name { get; }

    public int ProcessId { get; }

    public QemuVmPaths Paths { get; }

    /// <summary>The VM's monitor. The node names of its disks are <c>disk0</c>, <c>disk1</c>, ...</summary>
    public QmpClient Qmp { get; }

    /// <summary>The guest's first serial port, from the start of this QEMU run.</summary>
    public SerialConsole Serial { get; }

    public bool IsRunning => QemuProcess.IsRunning(ProcessId);

    /// <summary>True when QEMU made the host end of a guest agent channel (<see cref="QemuVmDescription.GuestAgent"/>).</summary>
    public bool HasGuestAgentChannel => File.Exists(Paths.GuestAgentSocket);

    /// <summary>Finds the VM whose runtime files are in <paramref name="runtimeDirectory"/> and connects to its monitor.</summary>
    /// <exception cref="QemuException">No VM runs there.</exception>
    public static async Task<QemuVm> AttachAsync(
        string runtimeDirectory, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var paths = new QemuVmPaths(Path.GetFullPath(runtimeDirectory));
        var processId = QemuProcess.ReadPidFile(paths.PidFile)
            ?? throw new QemuException(
                $"No VM runs in {paths.RuntimeDirectory}: {paths.PidFile} is missing (QEMU removes it when it exits); start the VM again.");
        if (!QemuProcess.IsRunning(processId) || !QemuProcess.IsQemuFor(processId, paths.PidFile))
        {
            throw new QemuException(
                $"No VM runs in {paths.RuntimeDirectory}: process {processId} named in {paths.PidFile} is gone or is not its QEMU; start the VM again.");
        }

        var log = logger ?? NullLogger.Instance;
        var name = ReadName(paths) ?? Path.GetFileName(paths.RuntimeDirectory);
        var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, log, cancellationToken).ConfigureAwait(false);
        QemuLog.Attached(log, name, processId);
        return new QemuVm(name, processId, paths, qmp, log);
    }

    /// <summary>Asks QEMU for its run state (<c>query-status</c>).</summary>
    public async Task<QemuRunStatus> QueryStatusAsync(CancellationToken cancellationToken = default)
    {
        var answer = await Qmp.ExecuteAsync("query-status", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (answer?["status"] is JsonValue status && status.TryGetValue<string>(out var text)
            && answer["running"] is JsonValue running && running.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return new QemuRunStatus(text, running.GetValue<bool>());
        }

        throw new InvalidDataException($"QEMU's answer to query-status for VM {Name} has no status and running fields: {answer?.ToJsonString()}");
    }

    /// <summary>Waits for a line of the guest's serial console that contains <paramref name="text"/>.</summary>
    /// <exception cref="TimeoutException">The text did not come in time.</exception>
    /// <exception cref="QemuException">The VM stopped without printing the text.</exception>
    public Task<string> WaitForConsoleAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Serial.WaitForLineAsync(text, timeout, cancellationToken);

    /// <summary>
    /// Waits until the guest's QEMU guest agent answers <c>guest-ping</c> (after <c>guest-sync-delimited</c>), connecting
    /// again whenever the channel closes.
    /// </summary>
    /// <exception cref="QemuException">The VM has no guest agent channel, or it stopped before the agent answered.</exception>
    /// <exception cref="TimeoutException">The agent did not answer in time: the guest still boots or runs no qemu-ga.</exception>
    public async Task WaitForAgentAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!HasGuestAgentChannel)
        {
            throw new QemuException(
                $"VM {Name} has no guest agent channel ({Paths.GuestAgentSocket} does not exist); start it with one, or wait for its console instead.");
        }

        var elapsed = Stopwatch.StartNew();
        QemuGuestAgentClient? agent = null;
        try
        {
            while (true)
            {
                if (!IsRunning)
                {
                    throw new QemuException($"VM {Name} stopped before its guest agent answered; its console is in {Paths.SerialLog}.");
                }

                var remaining = timeout - elapsed.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException(
                        $"The guest agent of VM {Name} did not answer within {timeout.TotalSeconds:0.#} s: the guest still boots, or it runs no QEMU guest agent (qemu-ga) on the port {QemuGuestAgentClient.PortName}. Its console is in {Paths.SerialLog}.");
                }

                try
                {
                    agent ??= await QemuGuestAgentClient.ConnectAsync(Paths.GuestAgentSocket, cancellationToken).ConfigureAwait(false);
                    await agent.PingAsync(remaining < AgentAttemptTimeout ? remaining : AgentAttemptTimeout, cancellationToken).ConfigureAwait(false);
                    QemuLog.GuestAgentAnswered(_logger, Name, elapsed.Elapsed.TotalSeconds);
                    return;
                }
                catch (TimeoutException)
                {
                    // Not answering yet; the next ping resynchronizes on the same connection.
                }
                catch (IOException ex)
                {
                    QemuLog.GuestAgentReconnecting(_logger, Name, ex.Message);
                    if (agent is not null)
                    {
                        await agent.DisposeAsync().ConfigureAwait(false);
                        agent = null;
                    }

                    await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (agent is not null)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for QEMU to exit by itself, e.g. after the guest powered off.</summary>
    /// <exception cref="TimeoutException">It still runs after <paramref name="timeout"/>.</exception>
    public async Task WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var elapsed = Stopwatch.StartNew();
        while (IsRunning)
        {
            if (elapsed.Elapsed >= timeout)
            {
                var lines = Serial.RecentLines;
                throw new TimeoutException(lines.Count == 0
                    ? $"VM {Name} (process {ProcessId}) still runs after {timeout.TotalSeconds:0.#} s; its console is in {Paths.SerialLog}."
                    : $"VM {Name} (process {ProcessId}) still runs after {timeout.TotalSeconds:0.#} s. Last console lines:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", lines)}");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        QemuLog.Stopped(_logger, Name, ProcessId);
    }

    /// <summary>Tells QEMU to quit (the guest gets no shutdown) and waits; kills it if it has not quit in time.</summary>
    public async Task QuitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!IsRunning)
        {
            return;
        }

        try
        {
            await Qmp.ExecuteAsync("quit", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // QEMU may close the socket before its answer is read, or the monitor was already closed.
        }

        try
        {
            await WaitForExitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            QemuLog.Killing(_logger, Name, ProcessId, timeout.TotalSeconds);
            await KillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills QEMU at once (SIGKILL), as a power cut would, and waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        QemuProcess.Kill(ProcessId, Paths.PidFile);
        await WaitForExitAsync(KillTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the runtime folder (QMP socket, pid file, logs, metadata) of a VM that has stopped.</summary>
    /// <exception cref="InvalidOperationException">The VM still runs.</exception>
    public void DeleteRuntimeFiles()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"VM {Name} still runs as process {ProcessId}; quit or kill it before deleting its runtime files.");
        }

        if (Directory.Exists(Paths.RuntimeDirectory))
        {
            Directory.Delete(Paths.RuntimeDirectory, recursive: true);
        }
    }

    /// <summary>Closes the QMP connection. The VM keeps running.</summary>
    public ValueTask DisposeAsync() => Qmp.DisposeAsync();

    private static string? ReadName(QemuVmPaths paths)
    {
        var text = BoundedFile.ReadStart(paths.Metadata, MaxMetadataBytes);
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text)?["name"] is JsonValue name && name.TryGetValue<string>(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
