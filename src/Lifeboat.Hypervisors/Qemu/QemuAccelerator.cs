using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// Chooses KVM or TCG for this machine. A /dev/kvm that exists is not enough: on hosts without vmx/svm it
/// opens and creates VMs, yet <c>-cpu host</c> aborts and other CPU models hang in the firmware. So KVM is
/// chosen only when the CPU has the flags and a real boot of SeaBIOS under KVM reaches its end quickly.
/// </summary>
public static class QemuAccelerator
{
    /// <summary>Set to <c>kvm</c> or <c>tcg</c> to skip detection.</summary>
    public const string OverrideVariable = "LIFEBOAT_QEMU_ACCEL";

    public const string DefaultQemuBinary = "qemu-system-x86_64";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly Lock Gate = new();
    private static QemuAcceleratorKind? _detected;

    /// <summary>
    /// The accelerator to use on this machine. Decided once per process (at most a 2-second probe) and
    /// cached; a fall back to TCG is logged once, when it is decided.
    /// </summary>
    public static QemuAcceleratorKind Detect(ILogger? logger = null)
    {
        lock (Gate)
        {
            if (_detected is { } cached)
            {
                return cached;
            }

            var (accelerator, reason) = Decide();
            var log = logger ?? NullLogger.Instance;
            if (accelerator == QemuAcceleratorKind.Tcg)
            {
                QemuLog.FallingBackToTcg(log, reason);
            }
            else
            {
                QemuLog.AcceleratorChosen(log, accelerator, reason);
            }

            _detected = accelerator;
            return accelerator;
        }
    }

    /// <summary>True when a <c>flags</c> line of /proc/cpuinfo lists <c>vmx</c> (Intel) or <c>svm</c> (AMD).</summary>
    public static bool CpuSupportsVirtualization(string cpuinfo)
    {
        foreach (var line in cpuinfo.AsSpan().EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || !line[..colon].Trim().SequenceEqual("flags"))
            {
                continue;
            }

            var flags = line[(colon + 1)..];
            foreach (var range in flags.Split(' '))
            {
                var flag = flags[range];
                if (flag.SequenceEqual("vmx") || flag.SequenceEqual("svm"))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Boots SeaBIOS without disks under <paramref name="accelerator"/> and reports whether it reached
    /// "No bootable device." on its debug port within <paramref name="timeout"/>. It takes a fraction of a
    /// second where the accelerator works.
    /// </summary>
    public static bool Probe(QemuAcceleratorKind accelerator, TimeSpan timeout, string qemuBinary = DefaultQemuBinary)
    {
        var debugLog = Path.Combine(Path.GetTempPath(), $"lifeboat-accel-probe-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo(qemuBinary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-accel", accelerator == QemuAcceleratorKind.Kvm ? "kvm" : "tcg",
            "-machine", "pc", "-m", "16", "-nodefaults", "-no-user-config", "-display", "none",
            "-chardev", $"file,id=probe,path={QemuCommandLine.Escape(debugLog)}",
            "-device", "isa-debugcon,iobase=0x402,chardev=probe",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process? process = null;
        try
        {
            process = Process.Start(start) ?? throw new QemuException($"{qemuBinary} did not start.");
            // Drained so that QEMU never blocks on a full pipe; the text itself is not needed.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < timeout)
            {
                if (FirmwareFinished(debugLog))
                {
                    return true;
                }

                if (process.HasExited)
                {
                    return FirmwareFinished(debugLog);
                }

                Thread.Sleep(20);
            }

            return FirmwareFinished(debugLog);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new QemuException($"{qemuBinary} could not be run ({ex.Message}); install the Debian package qemu-system-x86.", ex);
        }
        finally
        {
            if (process is not null)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                process.WaitForExit();
                process.Dispose();
            }

            File.Delete(debugLog);
        }
    }

    private static (QemuAcceleratorKind Accelerator, string Reason) Decide()
    {
        var forced = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrEmpty(forced))
        {
            return forced.Trim().ToLowerInvariant() switch
            {
                "kvm" => (QemuAcceleratorKind.Kvm, $"{OverrideVariable}=kvm"),
                "tcg" => (QemuAcceleratorKind.Tcg, $"{OverrideVariable}=tcg"),
                _ => throw new QemuException($"{OverrideVariable} is '{forced}'; set it to kvm or tcg, or unset it to detect."),
            };
        }

        if (!File.Exists("/dev/kvm"))
        {
            return (QemuAcceleratorKind.Tcg, "/dev/kvm does not exist");
        }

        if (!CpuSupportsVirtualization(File.ReadAllText("/proc/cpuinfo")))
        {
            return (QemuAcceleratorKind.Tcg, "/dev/kvm exists but the CPU has no vmx or svm flag, so KVM cannot run guests here");
        }

        return Probe(QemuAcceleratorKind.Kvm, ProbeTimeout)
            ? (QemuAcceleratorKind.Kvm, "the CPU has virtualization flags and SeaBIOS boots under KVM")
            : (QemuAcceleratorKind.Tcg, $"SeaBIOS did not finish under KVM within {ProbeTimeout.TotalSeconds:0} s");
    }

    private static bool FirmwareFinished(string debugLog)
    {
        try
        {
            using var file = File.OpenHandle(debugLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // SeaBIOS says a few KiB; more than this is not SeaBIOS.
            Span<byte> text = stackalloc byte[16 * 1024];
            var length = RandomAccess.Read(file, text, 0);
            return text[..length].IndexOf("No bootable device"u8) >= 0;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }
}
