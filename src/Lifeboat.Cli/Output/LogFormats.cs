using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Cli.Output;

/// <summary><c>--log-format text|json</c>: log lines as text, or one JSON object per line for a log shipper.</summary>
internal static class LogFormats
{
    public const string Text = "text";
    public const string Json = "json";

    public static Option<string> Option()
    {
        var option = new Option<string>("--log-format")
        {
            Description = "How log lines are written: text, or json (one object per line, UTC timestamps).",
            DefaultValueFactory = _ => Text,
        };
        option.AcceptOnlyFromAmong(Text, Json);
        return option;
    }

    /// <summary>The console logger's formatter for <paramref name="format"/>.</summary>
    public static ILoggingBuilder AddFormattedConsole(this ILoggingBuilder builder, string? format) => format == Json
        ? builder.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        })
        : builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
}
