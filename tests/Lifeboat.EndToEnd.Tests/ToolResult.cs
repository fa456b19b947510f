namespace Lifeboat.EndToEnd.Tests;

/// <summary>How a command line tool ended: its exit code and everything it printed.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public ToolResult ShouldSucceed()
    {
        Assert.True(Succeeded, ToString());
        return this;
    }

    public override string ToString() =>
        $"{Command}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}stdout: {Stdout}{Environment.NewLine}stderr: {Stderr}";
}
