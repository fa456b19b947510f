using System.Text;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>A domain a <see cref="LibvirtHost"/> defined for a session; its console is copied to <see cref="ConsoleLogPath"/>.</summary>
public sealed class LibvirtHostedVm : IHostedVm
{
    private const string PpmMime = "image/x-portable-pixmap";
    private const string PngMime = "image/png";
    private const long MaxScreenshotBytes = (long)PngImage.MaxSide * PngImage.MaxSide * 3 + 64;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    private readonly LibvirtHost _host;
    private readonly LibvirtDomain _domain;
    private readonly LibvirtGuestAgent _agent;
    private readonly object _consoleLock = new();
    private LibvirtConsoleCopy? _console;
    private volatile bool _running;

    internal LibvirtHostedVm(LibvirtHost host, LibvirtConnection connection, LibvirtDomain domain, HostedVmSpec spec)
    {
        _host = host;
        _domain = domain;
        Spec = spec;
        _agent = new LibvirtGuestAgent(domain, host.Name);
        Directory.CreateDirectory(spec.RuntimeFolder);
        // The name the local host uses too: the console endpoint and the kept console read it there.
        ConsoleLogPath = new Qemu.QemuVmPaths(spec.RuntimeFolder).SerialLog;
        Migration = new LibvirtDiskMigration(connection, domain, spec, host.Name);
        Hotplug = new LibvirtDiskHotplug(connection, domain, host.Name);
    }

    /// <summary>The domain's UUID.</summary>
    public string Reference => _domain.Uuid;

    public string Name => _domain.Name;

    public string ConsoleLogPath { get; }

    /// <summary>As the last call to the host saw it (start, a state query, power off).</summary>
    public bool IsRunning => _running;

    public IDiskMigration Migration { get; }

    public IDiskHotplug Hotplug { get; }

    internal HostedVmSpec Spec { get; }

    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LibvirtConnection.RunAsync(() =>
            {
                _domain.Start();
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            // A domain that never ran from Lifeboat's disks is not left behind pointing at them.
            var undefined = await LibvirtConnection.RunAsync(() => UndefineIfNeverHandedOver(), CancellationToken.None).ConfigureAwait(false);
            var removed = undefined ? "; its definition was removed" : "";
            if (MountServerOf(Spec) is { } mountServer && (ex.Message.Contains("connect", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("mount", StringComparison.OrdinalIgnoreCase)))
            {
                throw new HostException(
                    $"Host {_host.Name} could not open VM {Name}'s disks on the mount server at {mountServer} ({ex.Message.TrimEnd('.')}){removed}; check that the host reaches this machine at that address (routes, firewall), or add the host again with the address it does reach.", ex);
            }

            throw new HostException($"Host {_host.Name} could not start VM {Name} ({ex.Message.TrimEnd('.')}){removed}; check the host's QEMU log for the VM and try again.", ex);
        }

        _running = true;
        await ResumeConsoleCopyAsync(cancellationToken).ConfigureAwait(false);
        return $"domain {Name} ({Reference}) started on host {_host.Name} ({_host.Uri})";
    }

    public async Task<HostedVmStatus> QueryStatusAsync(CancellationToken cancellationToken)
    {
        var state = await CallAsync(_domain.State, cancellationToken).ConfigureAwait(false);
        _running = IsUp(state);
        return new HostedVmStatus(state == LibvirtDomainState.Running, Describe(state));
    }

    public async Task WaitForAgentAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _agent.ExecuteAsync("guest-ping", null, PingTimeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"The guest agent of VM {Name} on host {_host.Name} did not answer within {timeout.TotalSeconds:0} s.", ex);
            }
        }
    }

    public async Task<string> WaitForConsoleAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (File.Exists(ConsoleLogPath))
            {
                var console = await ReadSharedAsync(ConsoleLogPath, cancellationToken).ConfigureAwait(false);
                if (console.IndexOf(text, StringComparison.Ordinal) is var at and >= 0)
                {
                    var start = console.LastIndexOf('\n', at) + 1;
                    var end = console.IndexOf('\n', at);
                    return console[start..(end < 0 ? console.Length : end)].TrimEnd('\r');
                }
            }

            await EnsureRunningAsync(cancellationToken).ConfigureAwait(false);
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"The console of VM {Name} on host {_host.Name} did not print '{text}' within {timeout.TotalSeconds:0} s.");
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<GuestExecResult> ExecAsync(string path, IReadOnlyList<string> arguments, byte[]? input, TimeSpan timeout, CancellationToken cancellationToken) =>
        GuestExec.RunAsync(_agent, path, arguments, input, timeout, cancellationToken);

    public async Task TakeScreenshotAsync(string pngPath, CancellationToken cancellationToken)
    {
        var picture = pngPath + ".picture";
        try
        {
            // libvirt asks QEMU for a PNG when it can (QEMU 7.1 and later), else for a PPM.
            var mime = await CallAsync(() => _domain.Screenshot(picture, MaxScreenshotBytes), cancellationToken).ConfigureAwait(false);
            if (mime == PngMime && IsPng(picture))
                File.Move(picture, pngPath, overwrite: true);
            else if (mime == PpmMime)
                PngImage.ConvertPpm(picture, pngPath);
            else
                throw new HostException($"Host {_host.Name} gave a screenshot of VM {Name} as {mime}, which is not a PNG or PPM picture; check the host's QEMU.");
        }
        catch (InvalidDataException ex)
        {
            throw new HostException($"Host {_host.Name} gave no picture of VM {Name} ({ex.Message}); check that the VM has a display.", ex);
        }
        finally
        {
            File.Delete(picture);
        }
    }

    public async Task<string> PowerOffAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        StopConsoleCopy();
        _running = false;
        if (await CallAsync(_domain.State, cancellationToken).ConfigureAwait(false) is LibvirtDomainState.ShutOff or LibvirtDomainState.Crashed)
            return $"VM {Name} on host {_host.Name} was already off";
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            await CallAsync(_domain.Shutdown, cancellationToken).ConfigureAwait(false);
            while (DateTime.UtcNow < deadline)
            {
                if (await CallAsync(_domain.State, cancellationToken).ConfigureAwait(false) == LibvirtDomainState.ShutOff)
                    return $"VM {Name} on host {_host.Name} shut down";
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HostException)
        {
            // the guest refused ACPI, or is not there to ask: forced off below
        }

        await CallAsync(_domain.Destroy, cancellationToken).ConfigureAwait(false);
        return $"VM {Name} on host {_host.Name} powered off by force";
    }

    public async Task<string> UndefineAsync(CancellationToken cancellationToken)
    {
        StopConsoleCopy();
        return await CallAsync(() =>
        {
            LibvirtDomainState state;
            try
            {
                state = _domain.State();
            }
            catch (LibvirtException ex) when (ex.Code == Native.LibvirtErrors.NoDomain)
            {
                // A start that failed removes the definition at once (StartAsync).
                return $"VM {Name} was already gone from host {_host.Name}";
            }

            if (state is not (LibvirtDomainState.ShutOff or LibvirtDomainState.Crashed))
                _domain.Destroy();
            if (_domain.IsPersistent())
                _domain.Undefine();
            return $"VM {Name} removed from host {_host.Name}";
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<string> HandOverAsync(CancellationToken cancellationToken) => CallAsync(() =>
    {
        // The live definition names the production disks since the pivot; defining it makes them the VM's for good.
        var live = _domain.XmlDescription();
        using var defined = _domain.Connection.Define(live);
        return $"VM {Name} is now a persistent domain of host {_host.Name} on its production disks";
    }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        StopConsoleCopy();
        _domain.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Copies the console again when the domain runs (after a start, or found again after a restart).</summary>
    internal async Task ResumeConsoleCopyAsync(CancellationToken cancellationToken)
    {
        if (await CallAsync(_domain.State, cancellationToken).ConfigureAwait(false) != LibvirtDomainState.Running)
            return;
        var copy = await CallAsync(() => LibvirtConsoleCopy.Start(_domain, ConsoleLogPath), cancellationToken).ConfigureAwait(false);
        lock (_consoleLock)
        {
            (_console, copy) = (copy, _console);
        }

        copy?.Dispose();
    }

    private void StopConsoleCopy()
    {
        LibvirtConsoleCopy? copy;
        lock (_consoleLock)
        {
            (copy, _console) = (_console, null);
        }

        copy?.Dispose();
    }

    private bool UndefineIfNeverHandedOver()
    {
        try
        {
            if (!_domain.IsPersistent())
                return false;
            _domain.Undefine();
            return true;
        }
        catch (LibvirtException)
        {
            return false;
        }
    }

    private static bool IsUp(LibvirtDomainState state) => state is LibvirtDomainState.Running or LibvirtDomainState.Blocked or LibvirtDomainState.Paused;

    private async Task EnsureRunningAsync(CancellationToken cancellationToken)
    {
        var state = await CallAsync(_domain.State, cancellationToken).ConfigureAwait(false);
        _running = IsUp(state);
        if (state is not (LibvirtDomainState.Running or LibvirtDomainState.Blocked or LibvirtDomainState.Paused))
            throw new HostException($"VM {Name} on host {_host.Name} is {Describe(state)}; start it again or look at its console log ({ConsoleLogPath}).");
    }

    // Every libvirt failure here is the host's: one sentence naming it.
    private async Task<T> CallAsync<T>(Func<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await LibvirtConnection.RunAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            throw new HostException($"Host {_host.Name} failed for VM {Name}: {ex.Message.TrimEnd('.')}; check that the host is reachable and the VM exists there.", ex);
        }
    }

    private Task<bool> CallAsync(Action call, CancellationToken cancellationToken) => CallAsync(() =>
    {
        call();
        return true;
    }, cancellationToken);

    private static string Describe(LibvirtDomainState state) => state switch
    {
        LibvirtDomainState.Running => "running",
        LibvirtDomainState.Blocked => "blocked",
        LibvirtDomainState.Paused => "paused",
        LibvirtDomainState.ShuttingDown => "shutting down",
        LibvirtDomainState.ShutOff => "shut off",
        LibvirtDomainState.Crashed => "crashed",
        LibvirtDomainState.Suspended => "suspended",
        _ => "in no state",
    };

    private static bool IsPng(string path)
    {
        Span<byte> signature = stackalloc byte[8];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false) == signature.Length
            && signature.SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
    }

    private static async Task<string> ReadSharedAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(file, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The mount server's address the VM's network disks name, or null when it has none.</summary>
    private static string? MountServerOf(HostedVmSpec spec) =>
        spec.Vm.Disks.Select(d => Uri.TryCreate(d.Source, UriKind.Absolute, out var uri) && uri.Scheme is "nfs" or "nbd" ? uri.Host : null).FirstOrDefault(h => !string.IsNullOrEmpty(h));
}
