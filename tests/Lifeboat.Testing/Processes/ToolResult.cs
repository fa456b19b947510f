using System.Text;

namespace Lifeboat.Testing.Processes;

/// <summary>How a command line tool ended: its exit code and everything it printed.</summary>
public sealed record ToolResult(string Command, int ExitCode, byte[] StdoutBytes, string Stderr)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    /// <summary>Standard output, then standard error: for a check that does not mind which stream said it.</summary>
    public string Output => Stdout + Stderr;

    public bool Succeeded => ExitCode == 0;

    public ToolResult ShouldSucceed()
    {
        Assert.True(Succeeded, ToString());
        return this;
    }

    public void Deconstruct(out int exitCode, out string output)
    {
        exitCode = ExitCode;
        output = Output;
    }

    public override string ToString() =>
        $"{Command}{Environment.NewLine}exit {ExitCode}{Environment.NewLine}stdout: {Stdout}{Environment.NewLine}stderr: {Stderr}";
}
