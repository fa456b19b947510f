using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// A VM of the embedded host that runs now, by its runtime folder (monitor and agent sockets). The agent channel is
/// connected on the first command and held until disposed: QEMU serves one client on it at a time, so holding it no
/// longer than one operation lets the session's own checks in between.
/// </summary>
public sealed class QemuRunningVm : IRunningVm, IGuestAgent
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private QemuGuestAgentClient? _client;

    public QemuRunningVm(string name, string runtimeFolder)
    {
        Name = name;
        RuntimeFolder = runtimeFolder;
        Paths = new QemuVmPaths(runtimeFolder);
    }

    public string Name { get; }

    public string HostName => QemuHost.LocalName;

    /// <summary>Where its QEMU keeps its sockets, pid file and console log.</summary>
    public string RuntimeFolder { get; }

    public QemuVmPaths Paths { get; }

    public IGuestAgent Agent => this;

    public async Task<System.Text.Json.Nodes.JsonNode?> ExecuteAsync(
        string command, System.Text.Json.Nodes.JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(Paths.GuestAgentSocket))
                throw new HostException($"VM {Name} on host {HostName} has no guest agent channel; recover it with one (the default) to restore files into it.");
            _client ??= await QemuGuestAgentClient.ConnectAsync(Paths.GuestAgentSocket, cancellationToken).ConfigureAwait(false);
            try
            {
                return await _client.ExecuteAsync(command, arguments, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // a broken connection is made again on the next command
                await _client.DisposeAsync().ConfigureAwait(false);
                _client = null;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_client is not null)
                await _client.DisposeAsync().ConfigureAwait(false);
            _client = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}
