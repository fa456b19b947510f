using System.Buffers;
using System.Text;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// Follows the file a VM's serial port is written to and waits for lines in it. Lines are taken in the
/// order the guest printed them: a wait consumes every line up to and including the one it returns, so
/// waiting twice for the same text returns two different lines. Not thread-safe: one reader at a time.
/// </summary>
public sealed class SerialConsole
{
    /// <summary>Longer lines are cut, so that a guest printing without newlines cannot grow memory.</summary>
    public const int MaxLineChars = 64 * 1024;

    private const int ReadChunkBytes = 64 * 1024;
    private const int RecentLineCount = 20;
    private const int MaxUnreadLines = 4096;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _vmName;
    private readonly Func<bool> _isRunning;
    private readonly TimeProvider _time;
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly StringBuilder _partialLine = new();
    private readonly Queue<string> _unread = new();
    private readonly Queue<string> _recent = new();
    private long _fileOffset;

    /// <param name="path">The serial log file; it may not exist yet.</param>
    /// <param name="vmName">For messages.</param>
    /// <param name="isRunning">Tells whether more output can still come; a wait fails at once when it cannot.</param>
    /// <param name="time">Paces the polls and measures the timeout; the system's clock unless a test drives it.</param>
    public SerialConsole(string path, string vmName, Func<bool> isRunning, TimeProvider? time = null)
    {
        Path = path;
        _vmName = vmName;
        _isRunning = isRunning;
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    /// <summary>The last lines read (up to 20, partial last line included), for diagnostics.</summary>
    public IReadOnlyList<string> RecentLines
    {
        get
        {
            var lines = _recent.ToList();
            if (_partialLine.Length > 0)
            {
                lines.Add(_partialLine.ToString());
            }

            return lines;
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/> and returns it (without its line end).</summary>
    /// <exception cref="TimeoutException">The text did not come in time; the message holds the last console lines.</exception>
    /// <exception cref="QemuException">The VM stopped without printing the text.</exception>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var started = _time.GetTimestamp();
        while (true)
        {
            // Sampled before reading: output written before the VM stopped is then read in this round.
            var running = _isRunning();
            bool more;
            do
            {
                more = ReadNewOutput();
                if (TryTakeLine(text, out var line))
                {
                    return line;
                }
            }
            while (more);

            if (!running)
            {
                throw new QemuException(
                    $"VM {_vmName} stopped before printing \"{text}\" on its serial console.{DescribeRecentLines()}");
            }

            if (_time.GetElapsedTime(started) >= timeout)
            {
                throw new TimeoutException(
                    $"VM {_vmName} did not print \"{text}\" on its serial console within {timeout.TotalSeconds:0.#} s.{DescribeRecentLines()}");
            }

            await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryTakeLine(string text, out string line)
    {
        while (_unread.TryDequeue(out var candidate))
        {
            if (candidate.Contains(text, StringComparison.Ordinal))
            {
                line = candidate;
                return true;
            }
        }

        line = string.Empty;
        return false;
    }

    /// <summary>Reads what the guest wrote since the last call; true when it stopped early to bound memory.</summary>
    private bool ReadNewOutput()
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(ReadChunkBytes);
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(ReadChunkBytes));
        try
        {
            using (file)
            {
                if (RandomAccess.GetLength(file) < _fileOffset)
                {
                    _fileOffset = 0; // the file was replaced
                }

                while (_unread.Count < MaxUnreadLines)
                {
                    var read = RandomAccess.Read(file, bytes.AsSpan(0, ReadChunkBytes), _fileOffset);
                    if (read == 0)
                    {
                        return false;
                    }

                    _fileOffset += read;
                    var count = _decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
                    AddText(chars.AsSpan(0, count));
                }

                return true;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private void AddText(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            var newline = text.IndexOf('\n');
            var piece = newline < 0 ? text : text[..newline];
            var room = MaxLineChars - _partialLine.Length;
            if (piece.Length > room)
            {
                _partialLine.Append(piece[..room]);
                CompleteLine();
                text = text[room..];
                continue;
            }

            _partialLine.Append(piece);
            if (newline < 0)
            {
                return;
            }

            CompleteLine();
            text = text[(newline + 1)..];
        }
    }

    private void CompleteLine()
    {
        var line = _partialLine.ToString().TrimEnd('\r');
        _partialLine.Clear();
        _unread.Enqueue(line);
        _recent.Enqueue(line);
        if (_recent.Count > RecentLineCount)
        {
            _recent.Dequeue();
        }
    }

    private string DescribeRecentLines()
    {
        var lines = RecentLines;
        return lines.Count == 0
            ? $" It printed nothing (serial log {Path})."
            : $" Last console lines (serial log {Path}):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", lines)}";
    }
}
