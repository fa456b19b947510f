using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>
/// Runs a program inside the guest with the agent's <c>guest-exec</c>, capturing its output, and polls
/// <c>guest-exec-status</c> until it exits or the time is up.
/// </summary>
public static class GuestExec
{
    /// <summary>What is kept of each of standard output and error; a check's verdict is its exit code, its output is for people.</summary>
    public const int MaxOutputBytes = 64 * 1024;

    /// <summary>Bounds the script passed on standard input (the agent takes it base64-encoded in one message).</summary>
    public const int MaxInputBytes = 256 * 1024;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="path"/> with <paramref name="arguments"/>, feeding <paramref name="input"/> on its standard
    /// input when given. A program still running at <paramref name="timeout"/> is reported as timed out (the agent
    /// offers no way to kill it; it goes with the VM).
    /// </summary>
    /// <exception cref="GuestAgentException">The agent refused to start the program (no such file, exec disabled).</exception>
    public static async Task<GuestExecResult> RunAsync(
        IGuestAgent agent, string path, IReadOnlyList<string> arguments, byte[]? input, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (input is { Length: > MaxInputBytes })
            throw new ArgumentException($"A script for the guest is limited to {MaxInputBytes / 1024} KiB; this one has {input.Length / 1024} KiB.", nameof(input));
        var request = new JsonObject
        {
            ["path"] = path,
            ["arg"] = new JsonArray([.. arguments.Select(a => (JsonNode)a)]),
            ["capture-output"] = true,
        };
        if (input is not null)
            request["input-data"] = Convert.ToBase64String(input);
        var started = await agent.ExecuteAsync("guest-exec", request, CommandTimeout, cancellationToken).ConfigureAwait(false);
        var pid = started?["pid"]?.GetValue<long>() ?? throw new IOException("The guest agent started the program but gave no pid.");

        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var status = await agent.ExecuteAsync("guest-exec-status", new JsonObject { ["pid"] = pid }, CommandTimeout, cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw new IOException("The guest agent answered guest-exec-status with nothing.");
            if (status["exited"]?.GetValue<bool>() == true)
            {
                var (output, outputCut) = Decode(status["out-data"]);
                var (error, errorCut) = Decode(status["err-data"]);
                return new GuestExecResult(
                    status["exitcode"]?.GetValue<int>(), status["signal"]?.GetValue<int>(), output, error, TimedOut: false,
                    Truncated: outputCut || errorCut || status["out-truncated"]?.GetValue<bool>() == true || status["err-truncated"]?.GetValue<bool>() == true);
            }

            if (elapsed.Elapsed >= timeout)
                return new GuestExecResult(null, null, "", "", TimedOut: true, Truncated: false);
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (string Text, bool Cut) Decode(JsonNode? base64)
    {
        if (base64?.GetValue<string>() is not { Length: > 0 } text)
            return ("", false);
        // Decoding the whole string first would let a chatty guest allocate what it likes: the base64 is cut before.
        var cut = text.Length > (MaxOutputBytes / 3 * 4);
        var kept = cut ? text[..(MaxOutputBytes / 3 * 4)] : text;
        try
        {
            return (Encoding.UTF8.GetString(Convert.FromBase64String(kept)), cut);
        }
        catch (FormatException)
        {
            return ("(the agent sent output that is not base64)", true);
        }
    }
}
