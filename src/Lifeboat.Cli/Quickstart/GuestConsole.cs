using System.Diagnostics;
using System.Text;
using Lifeboat.Cli.Commands;

namespace Lifeboat.Cli.Quickstart;

/// <summary>The recovered VM's serial console, read line by line through the server as the guest writes it.</summary>
internal sealed class GuestConsole(ServerClient client, string sessionId)
{
    /// <summary>A booting kernel prints a few hundred lines and the guest one a second; older lines are dropped past this.</summary>
    private const int MaxLines = 10_000;

    /// <summary>Longer than any line the guest prints; a line without an end this long is cut.</summary>
    private const int MaxLineChars = 4096;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<string> _lines = [];
    private readonly StringBuilder _partial = new();
    private long _offset;

    public IReadOnlyList<string> Lines => _lines;

    /// <summary>Reads what the guest wrote since the last call; returns the lines completed meanwhile.</summary>
    public async Task<IReadOnlyList<string>> ReadNewAsync(CancellationToken ct)
    {
        var fresh = new List<string>();
        while (true)
        {
            var (text, next) = await client.ReadConsoleAsync(sessionId, _offset, ct);
            if (next <= _offset)
                break;
            _offset = next;
            foreach (var c in text)
            {
                if (c == '\n' || _partial.Length >= MaxLineChars)
                {
                    fresh.Add(Printable(_partial.ToString()));
                    _partial.Clear();
                }

                if (c != '\n')
                    _partial.Append(c);
            }
        }

        _lines.AddRange(fresh);
        if (_lines.Count > MaxLines)
            _lines.RemoveRange(0, _lines.Count - MaxLines);
        return fresh;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> lines in all contain <paramref name="text"/> and returns the last of them;
    /// every new line that holds <paramref name="showing"/> is passed to <paramref name="show"/> on the way.
    /// </summary>
    public async Task<string> WaitForAsync(string text, int count, TimeSpan timeout, string showing, Action<string> show, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var line in await ReadNewAsync(ct))
            {
                if (line.Contains(showing, StringComparison.Ordinal))
                    show(line);
            }

            var matches = _lines.Where(l => l.Contains(text, StringComparison.Ordinal)).ToList();
            if (matches.Count >= count)
                return matches[^1];
            if (clock.Elapsed > timeout)
            {
                var last = _lines.Where(l => l.Length > 0).TakeLast(3).ToList();
                throw new CliException(
                    $"The guest of session {sessionId} did not print \"{text}\" within {timeout.TotalSeconds:0} s" +
                    (last.Count == 0 ? "; it printed nothing at all, see the server's log." : $"; its last lines: {string.Join(" | ", last)}."));
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    public int Count(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>SeaBIOS and syslinux write terminal control sequences; a line shown to the user keeps only printable text.</summary>
    private static string Printable(string line)
    {
        var text = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\u001b')
            {
                // Skips an escape sequence: ESC [ parameters final-letter, or ESC and one character.
                i++;
                if (i < line.Length && line[i] == '[')
                {
                    while (i + 1 < line.Length && !char.IsAsciiLetter(line[i + 1]))
                        i++;
                    i++;
                }

                continue;
            }

            if (!char.IsControl(c) || c == '\t')
                text.Append(c);
        }

        return text.ToString().TrimEnd();
    }
}
