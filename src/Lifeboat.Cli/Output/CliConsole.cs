using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>
/// Where a verb's output goes: tables, lines and progress bars for people, or exactly one JSON document with --json.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(bool json)
    {
        Json = json;
        // COLUMNS, when set, is the width asked for; else Spectre assumes 80 columns when it can't ask a terminal, and
        // piped tables should not wrap ids.
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 20)
            AnsiConsole.Profile.Width = columns;
        else if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 200;
    }

    public bool Json { get; }

    /// <summary>Progress bars only make sense on a terminal and never mix with JSON.</summary>
    public bool ShowsProgress => !Json && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>
    /// Prints the document indented whatever its context says: the REST documents' shared context writes the wire's
    /// compact form, and what a person or a script reads from the CLI stays as it always was.
    /// </summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var document = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(document, new JsonWriterOptions { Indented = true, Encoder = typeInfo.Options.Encoder }))
            JsonSerializer.Serialize(writer, value, typeInfo);
        Console.Out.WriteLine(Encoding.UTF8.GetString(document.WrittenSpan));
    }

    public void Line(string markup)
    {
        if (!Json)
            AnsiConsole.MarkupLine(markup);
    }

    public void Write(Spectre.Console.Rendering.IRenderable renderable)
    {
        if (!Json)
            AnsiConsole.Write(renderable);
    }

    public void Error(string message)
    {
        if (Json)
            WriteJson(new ErrorJson(message), CliJsonContext.Default.ErrorJson);
        Console.Error.WriteLine($"lifeboat: {message}");
    }

    /// <param name="bytes">True when the progress counts bytes (shown with throughput), false for items such as chunks.</param>
    public Task<T> WithProgressAsync<T>(string description, Func<TransferProgressSink, Task<T>> work, bool bytes = true)
    {
        if (!ShowsProgress)
            return work(TransferProgressSink.None);
        ProgressColumn[] columns = bytes
            ? [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn()]
            : [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()];
        return AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(columns)
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), autoStart: true, maxValue: 1);
                return await work(new TransferProgressSink(task));
            });
    }
}
