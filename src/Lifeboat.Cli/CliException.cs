namespace Lifeboat.Cli;

/// <summary>A user-facing failure whose message is one sentence that says what to do.</summary>
internal sealed class CliException(string message) : Exception(message);
