using System.Diagnostics;
using System.Globalization;
using Lifeboat.Cli.Output;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// A download's progress on stderr (stdout keeps the command's output): one line rewritten in place on a terminal,
/// a line every 10 s otherwise, and a last line with the total.
/// </summary>
internal sealed class FilesProgress(string what) : IProgress<long>
{
    private static readonly TimeSpan TerminalEvery = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private TimeSpan _shownAt;
    private long _done;

    public long Done => Interlocked.Read(ref _done);

    public void Report(long value)
    {
        Interlocked.Exchange(ref _done, value);
        var now = _clock.Elapsed;
        if (now - _shownAt < (_terminal ? TerminalEvery : LogEvery))
            return;
        _shownAt = now;
        Show(end: false);
    }

    /// <summary>Adds to the count (for a caller that counts chunks rather than a running total).</summary>
    public void Add(long bytes) => Report(Done + bytes);

    public void Finish() => Show(end: true);

    private void Show(bool end)
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var line = string.Create(CultureInfo.InvariantCulture, $"{what}: {Sizes.Format(Done)} in {seconds:0.0} s ({Sizes.Format((long)(Done / seconds))}/s)");
        if (_terminal)
            Console.Error.Write(end ? $"\r{line}\u001b[K\n" : $"\r{line}\u001b[K");
        else
            Console.Error.WriteLine(line);
    }
}
