using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>Feeds byte counts into a progress bar; the no-op instance serves --json and non-terminals.</summary>
internal sealed class TransferProgressSink
{
    private readonly ProgressTask? _task;

    public TransferProgressSink(ProgressTask? task) => _task = task;

    public static TransferProgressSink None { get; } = new(null);

    public void Report(long done, long total)
    {
        if (_task is null)
            return;
        _task.MaxValue = Math.Max(1, total);
        _task.Value = Math.Min(done, _task.MaxValue);
    }
}
