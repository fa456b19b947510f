using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Lifeboat.Hypervisors.Qemu.LiveBackup;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// A live backup started to be killed while its NBD export is up. SIGSTOP is sent from the inotify event of the
/// export's socket appearing in the work folder, on a thread of its own: a 10 ms poll on a starved thread pool
/// (load 15) missed a whole job that ran in 0.4 s. Stopped, it can be looked at (has it committed?) before it is killed.
/// </summary>
internal sealed class ExportStoppedBackup : IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly FileAppearance _socket;
    private readonly Process _process;
    private readonly Stopwatch _clock = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stopping = new();
    private bool _started;
    private TimeSpan _stoppedAfter;
    private DateTime _stoppedAt;

    private ExportStoppedBackup(ProcessStartInfo start, string work)
    {
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _socket = new FileAppearance(work, LiveBackupWorkFolder.NbdSocketName, StopOnce);
    }

    /// <summary>When, after its start, the socket appeared and SIGSTOP was sent.</summary>
    public TimeSpan StoppedAfter
    {
        get
        {
            lock (_stopping)
            {
                return _stoppedAfter;
            }
        }
    }

    /// <summary>From the socket's creation (its modification time, to the kernel's tick) to SIGSTOP.</summary>
    public TimeSpan StoppedAfterSocket(string socket)
    {
        lock (_stopping)
        {
            return _stoppedAt - File.GetLastWriteTimeUtc(socket);
        }
    }

    /// <summary>Its stderr (the log) and stdout so far.</summary>
    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return $"{_stderr}{_stdout}";
            }
        }
    }

    /// <summary>Starts it with <paramref name="work"/> (the work folder named in <paramref name="start"/>) already watched for its socket.</summary>
    public static ExportStoppedBackup Start(ProcessStartInfo start, string work)
    {
        var backup = new ExportStoppedBackup(start, work);
        lock (backup._stopping)
        {
            backup._clock.Start();
            backup._process.Start();
            backup._started = true;
        }

        backup._process.BeginOutputReadLine();
        backup._process.BeginErrorReadLine();
        return backup;
    }

    /// <summary>True once it is stopped at its export (every thread); false when it ended before its socket appeared.</summary>
    public async Task<bool> StoppedAtExportAsync(TimeSpan timeout)
    {
        var ended = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_stopped.Task, ended, Task.Delay(timeout));
        if (first == _stopped.Task)
        {
            await ProcessSignals.WaitUntilStoppedAsync(_process.Id, StopTimeout);
            return true;
        }

        Assert.True(first == ended, $"the backup to be killed neither started its NBD export nor ended in {timeout.TotalSeconds} s:{Environment.NewLine}{Output}");
        return false;
    }

    /// <summary>SIGKILL, and waits for its end.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
        {
            await _process.WaitForExitAsync(); // until its output is read to the end
            Assert.Fail($"the backup to be killed ended by itself ({_process.ExitCode}) without a restore point before the kill:{Environment.NewLine}{Output}");
        }

        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Lets it run to its end (it ended first, or was stopped after it committed); it must succeed, and its document is returned.</summary>
    public async Task<JsonElement> FinishAsync(TimeSpan timeout)
    {
        lock (_stopping)
        {
            Assert.True(_process.HasExited || ProcessSignals.Continue(_process.Id), $"SIGCONT did not reach the backup to be killed:{Environment.NewLine}{Output}");
        }

        using (var deadline = new CancellationTokenSource(timeout))
        {
            await _process.WaitForExitAsync(deadline.Token); // and until its output is read to the end
        }

        Assert.True(_process.ExitCode == 0, $"the backup to be killed ended by itself, and failed ({_process.ExitCode}):{Environment.NewLine}{Output}");
        lock (_stdout)
        {
            using var document = JsonDocument.Parse(_stdout.ToString());
            return document.RootElement.Clone();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        lock (_stopping)
        {
            if (_started && !_process.HasExited)
            {
                _process.Kill(); // a failed assertion left it stopped: it would hold the work folder's lock
            }
        }

        _process.Dispose();
    }

    private void StopOnce()
    {
        lock (_stopping)
        {
            if (_started && !_stopped.Task.IsCompleted && !_process.HasExited && ProcessSignals.Stop(_process.Id))
            {
                _stoppedAfter = _clock.Elapsed;
                _stoppedAt = DateTime.UtcNow;
                _stopped.TrySetResult();
            }
        }
    }

    private void Append(StringBuilder text, string? line)
    {
        lock (_stdout)
        {
            text.AppendLine(line);
        }
    }
}
