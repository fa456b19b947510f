using Lifeboat.Repository;

namespace Lifeboat.Server.Sessions;

/// <summary>When a recovered VM counts as answering: <c>running</c>, <c>console:TEXT</c> or <c>agent</c>.</summary>
public sealed record ReadyCondition(ReadyConditionKind Kind, string? ConsoleText = null)
{
    public const int MaxConsoleTextLength = 1024;

    public static ReadyCondition Running { get; } = new(ReadyConditionKind.Running);

    public static ReadyCondition Agent { get; } = new(ReadyConditionKind.Agent);

    /// <summary>
    /// The condition when none is asked for: the guest agent's ping when the backup recorded an agent channel (the
    /// guest then says itself that it is up), else QEMU running the VM.
    /// </summary>
    public static ReadyCondition DefaultFor(VmHardware? hardware) => hardware?.GuestAgent == true ? Agent : Running;

    /// <summary>Parses the text of <c>--ready-when</c>; null or empty gives <c>running</c> (see <see cref="DefaultFor"/> for the default of a VM).</summary>
    /// <exception cref="ArgumentException">The text is none of the three forms.</exception>
    public static ReadyCondition Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Equals("running", StringComparison.OrdinalIgnoreCase))
            return Running;
        if (text.Equals("agent", StringComparison.OrdinalIgnoreCase))
            return Agent;
        if (text.StartsWith("console:", StringComparison.OrdinalIgnoreCase))
        {
            var consoleText = text["console:".Length..];
            if (consoleText.Length is 0 or > MaxConsoleTextLength || consoleText.Contains('\n', StringComparison.Ordinal))
                throw new ArgumentException($"Ready when console:TEXT needs a text of 1 to {MaxConsoleTextLength} characters on one line.");
            return new ReadyCondition(ReadyConditionKind.Console, consoleText);
        }

        throw new ArgumentException($"Ready when '{text}' is not one of running, console:TEXT, agent.");
    }

    public override string ToString() => Kind switch
    {
        ReadyConditionKind.Console => "console:" + ConsoleText,
        ReadyConditionKind.Agent => "agent",
        _ => "running",
    };
}

public enum ReadyConditionKind
{
    Running,
    Console,
    Agent,
}
