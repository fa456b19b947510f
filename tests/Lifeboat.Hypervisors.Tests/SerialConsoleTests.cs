using System.Text;
using Lifeboat.Hypervisors.Qemu;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.Hypervisors.Tests;

public sealed class SerialConsoleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Real time for a wait the fake clock set going to end: generous, the machine may be loaded.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>More than one poll of the console: advancing the fake clock by it makes the wait look again.</summary>
    private static readonly TimeSpan NextPoll = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly TestDirectory _folder = new();

    [Fact]
    public async Task Waits_for_lines_in_order_and_each_match_consumes_its_line()
    {
        var log = _folder.Combine("serial.log");
        var console = new SerialConsole(log, "vm", () => true, _time);
        await File.WriteAllTextAsync(log, "noise\r\nTICK 1\r\nTICK 2\r\n");
        Assert.Equal("TICK 1", await console.WaitForLineAsync("TICK", Timeout));
        Assert.Equal("TICK 2", await console.WaitForLineAsync("TICK", Timeout));

        // A line is returned only once it is complete, even when it arrives in pieces. The wait reads what there is
        // before it returns, then looks again only when the fake clock says so: here it has read the piece and waits.
        await File.AppendAllTextAsync(log, "WROTE ab");
        var waiting = console.WaitForLineAsync("WROTE", Timeout);
        Assert.Equal("WROTE ab", console.RecentLines[^1]);
        Assert.False(waiting.IsCompleted);
        await File.AppendAllTextAsync(log, "cd\n");
        _time.Advance(NextPoll);
        Assert.Equal("WROTE abcd", await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task Waits_for_a_file_that_does_not_exist_yet()
    {
        var log = _folder.Combine("later.log");
        var console = new SerialConsole(log, "vm", () => true, _time);
        var waiting = console.WaitForLineAsync("BOOTED", Timeout);
        Assert.False(waiting.IsCompleted); // it looked for the file, found none, and waits for the next poll
        await File.WriteAllTextAsync(log, "LIFEBOAT-GUEST-BOOTED mode=check\n");
        _time.Advance(NextPoll);
        Assert.Equal("LIFEBOAT-GUEST-BOOTED mode=check", await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_stopped_vm_fails_the_wait_with_its_last_lines()
    {
        var log = _folder.Combine("serial.log");
        await File.WriteAllTextAsync(log, "Kernel panic - not syncing: VFS: Unable to mount root fs\n");
        var console = new SerialConsole(log, "vm7", () => false);
        var failure = await Assert.ThrowsAsync<QemuException>(() => console.WaitForLineAsync("BOOTED", Timeout));
        Assert.Contains("vm7 stopped before printing \"BOOTED\"", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Kernel panic", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_printed_just_before_the_vm_stopped_still_matches()
    {
        var log = _folder.Combine("serial.log");
        await File.WriteAllTextAsync(log, "LIFEBOAT-GUEST-POWEROFF\n");
        var console = new SerialConsole(log, "vm", () => false);
        Assert.Equal("LIFEBOAT-GUEST-POWEROFF", await console.WaitForLineAsync("POWEROFF", Timeout));
    }

    [Fact]
    public async Task A_timeout_names_the_text_and_shows_the_last_lines()
    {
        var log = _folder.Combine("serial.log");
        await File.WriteAllTextAsync(log, string.Concat(Enumerable.Range(1, 50).Select(line => $"line {line}\n")));
        var console = new SerialConsole(log, "vm", () => true, _time);
        var waiting = console.WaitForLineAsync("never", Timeout);
        _time.Advance(Timeout + NextPoll);
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => waiting.WaitAsync(Patience));
        Assert.Contains("\"never\"", failure.Message, StringComparison.Ordinal);
        Assert.Contains("line 50", failure.Message, StringComparison.Ordinal);
        Assert.Contains("line 31" + Environment.NewLine, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line 30" + Environment.NewLine, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_without_newlines_is_cut_into_bounded_lines()
    {
        var log = _folder.Combine("serial.log");
        await File.WriteAllTextAsync(log, new string('x', (SerialConsole.MaxLineChars * 3) + 5) + "MARK\n");
        var console = new SerialConsole(log, "vm", () => true);
        var line = await console.WaitForLineAsync("MARK", Timeout);
        Assert.Equal(new string('x', 5) + "MARK", line);
        Assert.All(console.RecentLines, recent => Assert.True(recent.Length <= SerialConsole.MaxLineChars));
    }

    [Fact]
    public async Task Invalid_utf8_does_not_break_reading()
    {
        var log = _folder.Combine("serial.log");
        await File.WriteAllBytesAsync(log, [.. "\u001b[0m"u8, 0xff, 0xfe, (byte)'\n', .. Encoding.UTF8.GetBytes("après\n")]);
        var console = new SerialConsole(log, "vm", () => true);
        Assert.Equal("après", await console.WaitForLineAsync("après", Timeout));
    }

    public void Dispose() => _folder.Dispose();
}
