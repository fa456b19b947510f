using System.Diagnostics;
using System.Text;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Server.Metrics;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// A verification (SureBackup): the restore point is recovered in isolation (no NIC), the user's checks run in the
/// guest through its agent, the console is kept as a picture, and everything is torn down; the write cache goes with
/// the publication. The outcome is kept per restore point.
/// </summary>
internal sealed partial class SessionRunner
{
    private const int ConsoleTailBytes = 4096;
    private static readonly TimeSpan ScreenshotTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DamagePollInterval = TimeSpan.FromMilliseconds(500);

    private IDisposable? _verificationSlot;

    private bool IsVerification => Session.Verification is not null;

    /// <summary>Queues behind the verifications already booting, so that the host's CPUs and memory are not overcommitted.</summary>
    private async Task WaitForVerificationSlotAsync(CancellationToken cancellationToken)
    {
        if (!IsVerification || _verificationSlot is not null)
            return;
        await StepAsync(SessionPhase.Initialization, "Wait for a verification slot", async ct =>
        {
            var clock = Stopwatch.StartNew();
            var memory = (int)Math.Min(int.MaxValue, Session.Hardware?.MemoryMiB ?? 256);
            _verificationSlot = await _services.VerificationSlots.AcquireAsync(memory, _services.Time, ct).ConfigureAwait(false);
            return $"waited {clock.Elapsed.TotalSeconds:0.0} s ({_services.VerificationSlots.Count} verification(s) boot at once on this host)";
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After the guest answered: the checks, the screenshot, damage the guest read, then the teardown.</summary>
    private async Task VerifyAsync(CancellationToken cancellationToken)
    {
        var plan = Session.Verification!;
        var results = new List<CheckResult>();
        string? screenshot = null;
        try
        {
            for (var i = 0; i < plan.Checks.Count; i++)
            {
                var check = plan.Checks[i];
                await StepAsync(SessionPhase.Verification, $"Run check {i + 1}: {check.Name}", async ct =>
                {
                    var result = await RunCheckAsync(check, TimeSpan.FromSeconds(plan.TimeoutSeconds), ct).ConfigureAwait(false);
                    results.Add(result);
                    var said = FirstLine(result.Output.Length > 0 ? result.Output : result.Error);
                    if (!result.Passed)
                    {
                        throw new SessionStepException(result.TimedOut
                            ? $"Check '{check.Name}' did not end within {plan.TimeoutSeconds:0.#} s."
                            : $"Check '{check.Name}' exited with {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "a signal"}{(said.Length > 0 ? $": {said}" : "")}.");
                    }

                    return $"exit 0{(said.Length > 0 ? $": {said}" : "")}";
                }, cancellationToken).ConfigureAwait(false);
            }

            await StepAsync(SessionPhase.Verification, "Take a screenshot", async ct =>
            {
                screenshot = await TryScreenshotAsync(ct).ConfigureAwait(false);
                return screenshot is null ? "QEMU gave no picture of the console" : $"kept as {screenshot}";
            }, cancellationToken).ConfigureAwait(false);

            await StepAsync(SessionPhase.Verification, "Check what the guest read", _ =>
            {
                var damage = ReadDamage();
                if (damage is not null)
                    throw new SessionStepException($"The guest read damaged data of the restore point: {damage}");
                var stats = _services.MountServer.Host.DiskStats(Session.Publication!);
                return Task.FromResult<string?>(
                    $"{stats.Sum(s => s.ReadRequests)} reads ({Mib(stats.Sum(s => s.BytesRead))} MiB) from the backup, every block checked and sound");
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException e)
        {
            screenshot ??= await TryScreenshotAsync(CancellationToken.None).ConfigureAwait(false);
            await FailVerificationAsync(e.Message, results, screenshot).ConfigureAwait(false);
            return;
        }

        SaveOutcome(Outcome(passed: true, reason: null, results, screenshot));
        await StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the guest, but a verification whose guest reads a damaged block fails at once, naming it, rather than
    /// at the timeout: a guest that met an I/O error on its boot path proves the restore point is not sound.
    /// </summary>
    private async Task<string?> WaitUnlessDamagedAsync(Func<CancellationToken, Task<string?>> wait, CancellationToken cancellationToken)
    {
        using var damaged = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? damage = null;
        var watcher = Task.Run(async () =>
        {
            while (!damaged.IsCancellationRequested)
            {
                if (ReadDamage() is { } found)
                {
                    damage = found;
                    await damaged.CancelAsync().ConfigureAwait(false);
                    return;
                }

                await Task.Delay(DamagePollInterval, _services.Time, damaged.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }, CancellationToken.None);
        try
        {
            return await wait(damaged.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (damage is not null && !cancellationToken.IsCancellationRequested)
        {
            throw new SessionStepException($"The guest read damaged data of the restore point while it booted: {damage}");
        }
        finally
        {
            await damaged.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>A verification that failed before or after the guest answered: what the console showed, then the teardown.</summary>
    private async Task FailVerificationAsync(string reason, IReadOnlyList<CheckResult> checks, string? screenshot)
    {
        var damage = Session.Publication is not null ? ReadDamage() : null;
        if (damage is not null && !reason.Contains(damage, StringComparison.Ordinal))
            reason = $"{reason.TrimEnd('.')}; the guest read damaged data of the restore point: {damage}";
        screenshot ??= await TryScreenshotAsync(CancellationToken.None).ConfigureAwait(false);
        // The outcome is kept before the teardown ends the session: whoever sees it ended finds its outcome.
        SaveOutcome(Outcome(passed: false, reason, checks, screenshot) with { ConsoleTail = ConsoleTail() });
        await FailAsync(reason).ConfigureAwait(false);
    }

    private VerificationOutcome Outcome(bool passed, string? reason, IReadOnlyList<CheckResult> checks, string? screenshot)
    {
        var steps = _services.Store.GetSteps(Session.Id);
        return new VerificationOutcome
        {
            Passed = passed,
            Reason = reason,
            RecoverySeconds = Session.RecoverySeconds,
            Phases = [.. Api.PhaseView.From(steps).Where(p => p.DurationSeconds is not null).Select(p => new PhaseDuration(p.Phase, p.DurationSeconds!.Value))],
            Checks = [.. checks],
            Screenshot = screenshot,
            VerifiedAt = Now,
        };
    }

    /// <summary>
    /// After the teardown, before the session ends: a verification stopped before its outcome was known counts as
    /// failed, and the slot is freed once its VM is gone.
    /// </summary>
    private void EndVerification()
    {
        if (IsVerification && Session.Outcome is null)
            SaveOutcome(Outcome(passed: false, "Stopped by request before the verification ended.", [], null));
        _verificationSlot?.Dispose();
        _verificationSlot = null;
    }

    private void SaveOutcome(VerificationOutcome outcome)
    {
        Save(s => s with { Outcome = outcome });
        _services.Verifications.Save(Session, outcome);
        ServerMetrics.Verifications.Add(outcome.Passed ? VerificationResult.Passed : VerificationResult.Failed);
        Note($"Verification {(outcome.Passed ? "passed" : "failed")}: {outcome.Summary}");
    }

    private async Task<CheckResult> RunCheckAsync(VerificationCheck check, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var vm = RequireVm();
        var clock = Stopwatch.StartNew();
        await using var agent = await QemuGuestAgentClient.ConnectAsync(vm.Paths.GuestAgentSocket, cancellationToken).ConfigureAwait(false);
        GuestExecResult result;
        try
        {
            result = check.Script is { } script
                ? await GuestExec.RunAsync(agent, "/bin/sh", ["-s"], Encoding.UTF8.GetBytes(script), timeout, cancellationToken).ConfigureAwait(false)
                : await GuestExec.RunAsync(agent, "/bin/sh", ["-c", check.Command ?? "true"], null, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (GuestAgentException e)
        {
            throw new SessionStepException($"The guest agent could not run check '{check.Name}': {e.Message.TrimEnd('.')}; the guest needs /bin/sh and qemu-ga with guest-exec enabled.", e);
        }
        catch (TimeoutException e)
        {
            throw new SessionStepException($"The guest agent stopped answering during check '{check.Name}': {e.Message}", e);
        }

        return new CheckResult(check.Name, result.Succeeded, result.ExitCode, result.TimedOut, result.Output, result.Error,
            Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    /// <summary>The console as a PNG in the data folder, or null when the VM gives none (not running, no display).</summary>
    private async Task<string?> TryScreenshotAsync(CancellationToken cancellationToken)
    {
        if (_vm is not { IsRunning: true } vm)
            return null;
        var path = _services.Data.Screenshot(Session.Id);
        Directory.CreateDirectory(_services.Data.Screenshots);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScreenshotTimeout);
        try
        {
            await QemuScreenshot.TakeAsync(vm, path, timeout.Token).ConfigureAwait(false);
            return path;
        }
        catch (Exception e) when (e is QmpException or IOException or InvalidDataException or OperationCanceledException)
        {
            Warn($"No screenshot of the console: {e.Message}");
            return null;
        }
    }

    /// <summary>Why the first read of a damaged block failed, on any disk of the publication; null when none did.</summary>
    private string? ReadDamage()
    {
        var stats = _services.MountServer.Host.DiskStats(Session.Publication!);
        var failed = stats.Select((s, index) => (s, index)).FirstOrDefault(d => d.s.ReadErrors > 0);
        return failed.s is null ? null : $"{failed.s.ReadErrors} failed read(s) of disk {failed.index}, the first: {failed.s.FirstReadError}";
    }

    private string? ConsoleTail()
    {
        var path = VmRuntimeFolder.ConsolePath(Session.RuntimeDirectory, _services.Data.KeptConsole(Session.Id));
        if (!File.Exists(path))
            return null;
        var (bytes, _) = VmRuntimeFolder.ReadFrom(path, Math.Max(0, new FileInfo(path).Length - ConsoleTailBytes), ConsoleTailBytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
