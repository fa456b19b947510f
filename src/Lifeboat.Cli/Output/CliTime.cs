using Lifeboat.Server.Contracts;

namespace Lifeboat.Cli.Output;

/// <summary>How the CLI writes a time: <see cref="ZonedTime"/>, or "-" for none.</summary>
internal static class CliTime
{
    public static string Format(DateTimeOffset? time, bool seconds = false) => time is { } t ? ZonedTime.Format(t, seconds) : "-";
}
