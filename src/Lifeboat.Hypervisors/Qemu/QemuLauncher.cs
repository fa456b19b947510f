using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// Starts VMs as daemonized QEMU processes that outlive the process which started them. Each VM keeps its
/// runtime files (QMP socket, pid file, serial and QEMU logs) in a folder of its own, through which it can
/// be attached to later (<see cref="QemuVm.AttachAsync"/>).
/// </summary>
public sealed class QemuLauncher
{
    private const int MaxErrorChars = 4000;

    /// <summary>QEMU daemonizes once the VM is set up; with disks over NFS that includes mounting them.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ILogger _logger;

    public QemuLauncher(ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
    }

    public string QemuBinary { get; init; } = QemuAccelerator.DefaultQemuBinary;

    /// <summary>Starts <paramref name="vm"/> with its runtime files in <paramref name="runtimeDirectory"/> (created if needed).</summary>
    /// <exception cref="ArgumentException">The description is not valid.</exception>
    /// <exception cref="QemuException">QEMU refused the VM, is missing, or a VM already runs in that folder.</exception>
    public Task<QemuVm> StartAsync(QemuVmDescription vm, string runtimeDirectory, CancellationToken cancellationToken = default) =>
        StartAsync(vm, runtimeDirectory, paused: false, cancellationToken);

    /// <summary>
    /// Starts <paramref name="vm"/>'s QEMU with its CPUs stopped and without its disks: everything QEMU sets up before
    /// the first instruction is done while the disks are still being published. <see cref="QemuPausedStart.RunAsync"/>
    /// attaches them and lets it run.
    /// </summary>
    /// <exception cref="ArgumentException">The description is not valid.</exception>
    /// <exception cref="QemuException">QEMU refused the VM, is missing, or a VM already runs in that folder.</exception>
    public Task<QemuVm> StartPausedAsync(QemuVmDescription vm, string runtimeDirectory, CancellationToken cancellationToken = default) =>
        StartAsync(vm, runtimeDirectory, paused: true, cancellationToken);

    private async Task<QemuVm> StartAsync(QemuVmDescription vm, string runtimeDirectory, bool paused, CancellationToken cancellationToken)
    {
        var paths = new QemuVmPaths(Path.GetFullPath(runtimeDirectory));
        if (Encoding.UTF8.GetByteCount(paths.QmpSocket) > QmpClient.MaxSocketPathBytes
            || (vm.GuestAgent && Encoding.UTF8.GetByteCount(paths.GuestAgentSocket) > QmpClient.MaxSocketPathBytes))
        {
            throw new ArgumentException(
                $"The runtime folder {paths.RuntimeDirectory} is too long for a unix socket path ({QmpClient.MaxSocketPathBytes} bytes); use a shorter one.",
                nameof(runtimeDirectory));
        }

        var accelerator = vm.Accelerator ?? QemuAccelerator.Detect(_logger);
        var arguments = QemuCommandLine.Build(vm, paths, accelerator, paused);
        Directory.CreateDirectory(paths.RuntimeDirectory);
        if (QemuProcess.ReadPidFile(paths.PidFile) is { } running
            && QemuProcess.IsRunning(running) && QemuProcess.IsQemuFor(running, paths.PidFile))
        {
            throw new QemuException(
                $"A VM already runs in {paths.RuntimeDirectory} (process {running}); attach to it or stop it first.");
        }

        PrepareRuntimeFiles(paths);
        if (vm.Firmware == QemuFirmware.Uefi)
        {
            QemuCommandLine.Ovmf(vm).PrepareVariables(paths);
        }

        WriteMetadata(paths, vm.Name, accelerator, arguments);
        QemuLog.Starting(_logger, vm.Name, QemuBinary, string.Join(' ', arguments));
        await RunUntilDaemonizedAsync(vm.Name, paths, arguments, cancellationToken).ConfigureAwait(false);

        var processId = QemuProcess.ReadPidFile(paths.PidFile)
            ?? throw new QemuException($"QEMU started VM {vm.Name} but wrote no pid file {paths.PidFile}; see {paths.QemuLog}.");
        QmpClient qmp;
        try
        {
            qmp = await QmpClient.ConnectAsync(paths.QmpSocket, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            QemuProcess.Kill(processId, paths.PidFile);
            throw;
        }

        QemuLog.Started(_logger, vm.Name, processId, accelerator, paths.RuntimeDirectory);
        return new QemuVm(vm.Name, processId, paths, qmp, _logger);
    }

    private async Task RunUntilDaemonizedAsync(
        string name, QemuVmPaths paths, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(QemuBinary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new QemuException($"{QemuBinary} did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new QemuException($"{QemuBinary} could not be run ({ex.Message}); install the Debian package qemu-system-x86.", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            // The daemon points its stdout and stderr elsewhere before the first process exits, so these end.
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new QemuException($"QEMU did not finish starting VM {name} within {StartTimeout.TotalSeconds:0} s; it was killed.");
            }

            var stderr = await errors.ConfigureAwait(false);
            var stdout = await output.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                // With -D, QEMU reports errors in the log file from the start, not on stderr.
                var message = string.Join(
                    Environment.NewLine,
                    new[] { stderr, stdout, BoundedFile.ReadEnd(paths.QemuLog, MaxErrorChars) }
                        .Select(text => text.Trim())
                        .Where(text => text.Length > 0));
                if (message.Length > MaxErrorChars)
                {
                    message = message[^MaxErrorChars..];
                }

                throw new QemuException(
                    $"QEMU could not start VM {name} (exit code {process.ExitCode}): {(message.Length > 0 ? message : "it gave no reason")}");
            }
        }
    }

    /// <summary>Removes what a previous run left and keeps its logs as *.1 for whoever investigates it.</summary>
    private static void PrepareRuntimeFiles(QemuVmPaths paths)
    {
        File.Delete(paths.PidFile);
        File.Delete(paths.QmpSocket);
        File.Delete(paths.GuestAgentSocket);
        foreach (var log in new[] { paths.SerialLog, paths.QemuLog })
        {
            if (File.Exists(log))
            {
                File.Move(log, log + ".1", overwrite: true);
            }
        }
    }

    private static void WriteMetadata(QemuVmPaths paths, string name, QemuAcceleratorKind accelerator, IReadOnlyList<string> arguments)
    {
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["accelerator"] = accelerator.ToString().ToLowerInvariant(),
            ["startedAt"] = DateTimeOffset.UtcNow.ToString("O"),
            ["arguments"] = new JsonArray(arguments.Select(argument => (JsonNode?)JsonValue.Create(argument)).ToArray()),
        };
        File.WriteAllText(paths.Metadata, metadata.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
