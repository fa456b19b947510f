using System.Text;
using Lifeboat.Hypervisors.Hosts;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// The embedded host: one QEMU process per VM on this machine, its sockets and logs in the session's runtime folder,
/// driven over QMP. Its VMs reach the mount server on loopback or its unix sockets.
/// </summary>
public sealed class QemuHost(string qemuBinary, ILogger<QemuHost> logger) : IHypervisorHost
{
    /// <summary>The inventory name of the embedded host.</summary>
    public const string LocalName = "local";

    public string QemuBinary { get; } = qemuBinary;

    public string Name => LocalName;

    public string Kind => HostKinds.Qemu;

    public HostNetwork? Network => null;

    /// <summary>This machine's own name, which messages give as the host's.</summary>
    public string Hostname { get; } = Environment.MachineName;

    public Task<HostFacts> DescribeAsync(CancellationToken cancellationToken)
    {
        var (total, available) = LocalMachine.ReadMemoryMiB();
        var installed = LocalMachine.FindProgram(QemuBinary) is not null;
        return Task.FromResult(new HostFacts
        {
            Name = Name,
            Kind = Kind,
            Connection = QemuBinary,
            Reachable = installed,
            Problem = installed ? null : MissingQemu(),
            Hostname = Hostname,
            Accelerator = installed ? QemuAccelerator.Detect(logger).ToString().ToLowerInvariant() : null,
            QemuVersion = installed ? QemuInstallation.Version(QemuBinary) : null,
            NfsDriver = installed ? QemuInstallation.HasNfsDriver() : null,
            NbdDriver = installed ? true : null,
            Cpus = Environment.ProcessorCount,
            MemoryTotalMiB = total,
            MemoryFreeMiB = available,
        });
    }

    public Task<string> CheckAsync(HostedVmSpec spec, CancellationToken cancellationToken)
    {
        if (LocalMachine.FindProgram(QemuBinary) is null)
            throw new HostException(MissingQemu());
        var vm = spec.Vm;
        string firmware;
        if (vm.Firmware == QemuFirmware.Uefi)
        {
            var ovmf = vm.Ovmf ?? OvmfFirmware.Find() ?? throw new HostException(
                $"The VM boots with UEFI firmware and host {Hostname} has no OVMF in {OvmfFirmware.DebianFolder}; install the Debian package {OvmfFirmware.DebianPackage} there and recover again.");
            firmware = $"UEFI firmware {ovmf.Code}";
        }
        else
        {
            firmware = "BIOS firmware (SeaBIOS)";
        }

        var accelerator = QemuAccelerator.Detect(logger);
        if (vm.Cpus > Environment.ProcessorCount)
            throw new HostException($"The VM needs {vm.Cpus} CPUs and host {Hostname} has {Environment.ProcessorCount}; recover it on a larger host.");
        var (_, available) = LocalMachine.ReadMemoryMiB();
        if (available > 0 && vm.MemoryMiB > available)
        {
            throw new HostException(
                $"The VM needs {vm.MemoryMiB} MiB of memory and host {Hostname} has {available} MiB available; free memory (stop other VMs) and recover again.");
        }

        return Task.FromResult(
            $"{QemuBinary} with {accelerator.ToString().ToUpperInvariant()}; {Environment.ProcessorCount} CPUs, {available} MiB available for a VM of {vm.Cpus} CPUs and {vm.MemoryMiB} MiB; {firmware}");
    }

    /// <summary>Makes the runtime folder; QEMU is started in it by <see cref="IHostedVm.StartAsync"/>.</summary>
    public Task<IHostedVm> DefineAsync(HostedVmSpec spec, CancellationToken cancellationToken)
    {
        var socket = new QemuVmPaths(spec.RuntimeFolder).QmpSocket;
        if (Encoding.UTF8.GetByteCount(socket) > QmpClient.MaxSocketPathBytes)
        {
            throw new HostException(
                $"The VM's monitor socket {socket} is longer than a unix socket path may be; give the server a data folder with a shorter path.");
        }

        Directory.CreateDirectory(spec.RuntimeFolder);
        return Task.FromResult<IHostedVm>(new QemuHostedVm(spec, QemuBinary, logger));
    }

    public string? WhyNotStartPaused(HostedVmSpec spec) => QemuPausedStart.WhyNot(spec.Vm);

    /// <summary>The reference is the runtime folder: the VM is defined while it exists, and runs while its QEMU does.</summary>
    public async Task<IHostedVm?> FindAsync(string reference, HostedVmSpec spec, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(reference))
            return null;
        var vm = new QemuHostedVm(spec with { RuntimeFolder = reference }, QemuBinary, logger);
        await vm.TryAttachAsync(cancellationToken).ConfigureAwait(false);
        return vm;
    }

    private string MissingQemu() =>
        $"QEMU ({QemuBinary}) is not installed on host {Hostname}; install the Debian package qemu-system-x86 (and qemu-block-extra for nfs:// disks), then recover again.";
}
