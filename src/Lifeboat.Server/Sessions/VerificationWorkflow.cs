using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// A verification (SureBackup): the restore point is recovered in isolation (no NIC), the user's checks run in the
/// guest through its agent, the console is kept as a picture, and everything is torn down; the write cache goes with
/// the publication. The outcome is kept per restore point.
/// </summary>
internal sealed class VerificationWorkflow(
    SessionEngine engine, SessionVm vm, SessionServices services, VerificationOutcomes outcomes, StopWorkflow stop)
{
    private const int ConsoleTailBytes = 4096;
    private const int MaxFirstLineChars = 200;
    private static readonly TimeSpan ScreenshotTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DamagePollInterval = TimeSpan.FromMilliseconds(500);

    private SessionRecord Session => engine.Session;

    /// <summary>Queues behind the verifications already booting, so that the host's CPUs and memory are not overcommitted.</summary>
    public async Task WaitForSlotAsync(CancellationToken cancellationToken)
    {
        if (outcomes.HoldsSlot)
            return;
        await engine.StepAsync(SessionPhase.Initialization, "Wait for a verification slot", async ct =>
            await outcomes.AcquireSlotAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After the guest answered: the checks, the screenshot, damage the guest read, then the teardown.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken)
    {
        var plan = Session.Verification!;
        var results = new List<CheckResult>();
        string? screenshot = null;
        try
        {
            for (var i = 0; i < plan.Checks.Count; i++)
            {
                var check = plan.Checks[i];
                await engine.StepAsync(SessionPhase.Verification, $"Run check {i + 1}: {check.Name}", async ct =>
                {
                    var result = await RunCheckAsync(check, TimeSpan.FromSeconds(plan.TimeoutSeconds), ct).ConfigureAwait(false);
                    results.Add(result);
                    var said = FirstLine(result.Output.Length > 0 ? result.Output : result.Error);
                    if (!result.Passed)
                    {
                        throw new SessionStepException(result.TimedOut
                            ? $"Check '{check.Name}' did not end within {plan.TimeoutSeconds:0.#} s."
                            : $"Check '{check.Name}' exited with {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "a signal"}{(said.Length > 0 ? $": {said}" : "")}.");
                    }

                    return $"exit 0{(said.Length > 0 ? $": {said}" : "")}";
                }, cancellationToken).ConfigureAwait(false);
            }

            await engine.StepAsync(SessionPhase.Verification, "Take a screenshot", async ct =>
            {
                screenshot = await TryScreenshotAsync(ct).ConfigureAwait(false);
                return screenshot is null ? "QEMU gave no picture of the console" : $"kept as {screenshot}";
            }, cancellationToken).ConfigureAwait(false);

            await engine.StepAsync(SessionPhase.Verification, "Check what the guest read", _ =>
            {
                var damage = ReadDamage();
                if (damage is not null)
                    throw new SessionStepException($"The guest read damaged data of the restore point: {damage}");
                var stats = services.MountServer.Host.DiskStats(Session.Publication!);
                return Task.FromResult<string?>(
                    $"{stats.Sum(s => s.ReadRequests)} reads ({Mib.Of(stats.Sum(s => s.BytesRead))} MiB) from the backup, every block checked and sound");
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException e)
        {
            screenshot ??= await TryScreenshotAsync(CancellationToken.None).ConfigureAwait(false);
            await FailAsync(e.Message, results, screenshot).ConfigureAwait(false);
            return;
        }

        outcomes.Save(outcomes.Outcome(passed: true, reason: null, results, screenshot));
        await stop.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the guest, but a verification whose guest reads a damaged block fails at once, naming it, rather than
    /// at the timeout: a guest that met an I/O error on its boot path proves the restore point is not sound.
    /// </summary>
    public async Task<string?> WaitUnlessDamagedAsync(Func<CancellationToken, Task<string?>> wait, CancellationToken cancellationToken)
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

                await Task.Delay(DamagePollInterval, engine.Time, damaged.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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
    public async Task FailAsync(string reason, IReadOnlyList<CheckResult> checks, string? screenshot)
    {
        var damage = Session.Publication is not null ? ReadDamage() : null;
        if (damage is not null && !reason.Contains(damage, StringComparison.Ordinal))
            reason = $"{reason.TrimEnd('.')}; the guest read damaged data of the restore point: {damage}";
        screenshot ??= await TryScreenshotAsync(CancellationToken.None).ConfigureAwait(false);
        // The outcome is kept before the teardown ends the session: whoever sees it ended finds its outcome.
        outcomes.Save(outcomes.Outcome(passed: false, reason, checks, screenshot) with { ConsoleTail = ConsoleTail() });
        await stop.FailAsync(reason).ConfigureAwait(false);
    }

    private async Task<CheckResult> RunCheckAsync(VerificationCheck check, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var guest = vm.RequireRunning();
        var clock = Stopwatch.StartNew();
        GuestExecResult result;
        try
        {
            result = check.Script is { } script
                ? await guest.ExecAsync("/bin/sh", ["-s"], Encoding.UTF8.GetBytes(script), timeout, cancellationToken).ConfigureAwait(false)
                : await guest.ExecAsync("/bin/sh", ["-c", check.Command ?? "true"], null, timeout, cancellationToken).ConfigureAwait(false);
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
        if (vm.Current is not { IsRunning: true } guest)
            return null;
        var path = services.Data.Screenshot(Session.Id);
        Directory.CreateDirectory(services.Data.Screenshots);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScreenshotTimeout);
        try
        {
            await guest.TakeScreenshotAsync(path, timeout.Token).ConfigureAwait(false);
            return path;
        }
        catch (Exception e) when (e is HostException or IOException or OperationCanceledException)
        {
            engine.Warn($"No screenshot of the console: {e.Message}");
            return null;
        }
    }

    /// <summary>Why the first read of a damaged block failed, on any disk of the publication; null when none did.</summary>
    private string? ReadDamage()
    {
        var stats = services.MountServer.Host.DiskStats(Session.Publication!);
        var failed = stats.Select((s, index) => (s, index)).FirstOrDefault(d => d.s.ReadErrors > 0);
        return failed.s is null ? null : $"{failed.s.ReadErrors} failed read(s) of disk {failed.index}, the first: {failed.s.FirstReadError}";
    }

    private string? ConsoleTail()
    {
        var live = vm.Current?.ConsoleLogPath;
        var path = live is not null && File.Exists(live) ? live : services.Data.KeptConsole(Session.Id);
        if (!File.Exists(path))
            return null;
        var (bytes, _) = VmRuntimeFolder.ReadFrom(path, Math.Max(0, new FileInfo(path).Length - ConsoleTailBytes), ConsoleTailBytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return line.Length > MaxFirstLineChars ? line[..MaxFirstLineChars] + "…" : line;
    }
}
