using System.Globalization;
using System.Text.RegularExpressions;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat verify --boot`: asks the server to boot a restore point in isolation, run the checks in the guest, keep
/// a screenshot and tear everything down; prints the outcome. Exit 0 passed, 1 failed, 3 the guest read damaged data.
/// </summary>
internal static partial class BootVerification
{
    public sealed record Options(
        string Vm, string? RestorePoint, string? ReadyWhen, string? Timeout, IReadOnlyList<string> Checks, IReadOnlyList<string> FirmwareConfig, bool Detach, string? Host = null);

    public static async Task<int> RunAsync(Options options, CliConsole console, CancellationToken ct)
    {
        var request = new VerificationRequest
        {
            Vm = options.Vm,
            RestorePoint = options.RestorePoint,
            ReadyWhen = options.ReadyWhen,
            TimeoutSeconds = options.Timeout is { } timeout ? ParseTimeout(timeout).TotalSeconds : null,
            Checks = [.. options.Checks.Select(ParseCheck)],
            FirmwareConfig = InstantRecoverCommand.ParseFirmwareConfig([.. options.FirmwareConfig]),
            Host = options.Host,
        };
        using var client = new ServerClient();
        var session = await client.VerifyAsync(request, ct);
        if (options.Detach)
        {
            if (console.Json)
                console.WriteJson(await client.GetVerificationAsync(session.Id, ct), ContractsJsonContext.Default.VerificationView);
            else
                Console.Out.WriteLine(session.Id);
            return ExitCodes.Ok;
        }

        console.Line($"Verification [bold]{session.Id}[/]: boot VM [bold]{Markup.Escape(options.Vm)}[/] ({Markup.Escape(options.RestorePoint ?? "latest")}) in isolation on {client.BaseAddress}");
        try
        {
            await new SessionFollower(client, console).FollowAsync(session.Id, s => s.IsFinal, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.Error($"Stopped following; verification {session.Id} goes on in the server: end it with `lifeboat stop {session.Id}`.");
            return ExitCodes.Cancelled;
        }

        var verification = await client.GetVerificationAsync(session.Id, ct);
        var outcome = verification.Outcome;
        var code = outcome is null || !outcome.Passed
            ? (outcome?.Reason?.Contains("damaged data", StringComparison.Ordinal) == true ? ExitCodes.DamageFound : ExitCodes.Failed)
            : ExitCodes.Ok;
        if (console.Json)
        {
            console.WriteJson(verification, ContractsJsonContext.Default.VerificationView);
            return code;
        }

        if (outcome is null)
        {
            console.Error($"Verification {session.Id} ended ({verification.State.ToString().ToLowerInvariant()}) without an outcome; see `lifeboat session show {session.Id}`.");
            return ExitCodes.Failed;
        }

        foreach (var check in outcome.Checks)
        {
            var first = check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            console.Line($"  check {Markup.Escape(check.Name)}: {(check.Passed ? "[green]passed[/]" : "[red]failed[/]")} " +
                $"(exit {check.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? (check.TimedOut ? "none: timed out" : "none")}, {check.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s){(first.Length > 0 ? " " + Markup.Escape(first) : "")}");
        }

        if (outcome.Screenshot is { } screenshot)
            console.Line($"  screenshot: {Markup.Escape(screenshot)}");
        if (outcome.Passed)
        {
            console.Line($"[green]Verified[/] restore point {Markup.Escape(verification.RestorePointId ?? "?")} of {Markup.Escape(verification.Vm)}: {Markup.Escape(outcome.Summary)}.");
        }
        else
        {
            if (outcome.ConsoleTail is { Length: > 0 } tail && !console.Json)
                console.Line("  the console's last lines:\n" + Markup.Escape(string.Join('\n', tail.Split('\n').TakeLast(12))));
            console.Error($"Restore point {verification.RestorePointId ?? "?"} of {verification.Vm} failed verification: {outcome.Reason}");
        }

        return code;
    }

    /// <summary>A script file's content, or a shell command when no such file exists.</summary>
    private static VerificationCheck ParseCheck(string value)
    {
        if (File.Exists(value))
        {
            var info = new FileInfo(value);
            if (info.Length > 256 * 1024)
                throw new CliException($"--check {value}: a script for the guest is limited to 256 KiB.");
            return new VerificationCheck { Name = info.Name, Script = File.ReadAllText(value) };
        }

        if (string.IsNullOrWhiteSpace(value))
            throw new CliException("--check needs a script file or a shell command to run in the guest.");
        return new VerificationCheck { Name = value.Length > 60 ? value[..60] + "…" : value, Command = value };
    }

    /// <summary>"5m", "90s", "1h" or plain seconds.</summary>
    public static TimeSpan ParseTimeout(string text)
    {
        var match = TimeoutPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw new CliException($"--timeout '{text}' is not a duration such as 90s, 5m or 1h.");
        return match.Groups[2].Value switch
        {
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => TimeSpan.FromSeconds(value),
        };
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(s|m|h)?$")]
    private static partial Regex TimeoutPattern();
}
