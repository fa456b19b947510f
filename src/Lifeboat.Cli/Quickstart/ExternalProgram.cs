using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;

namespace Lifeboat.Cli.Quickstart;

/// <summary>Runs the Debian tools the story stands on (mkfs.ext4, debugfs, the guest build script) and reads what they print.</summary>
internal static class ExternalProgram
{
    /// <summary>More than any of these tools prints here (debugfs cats a 1 MiB file); a larger output is a mistake, not data.</summary>
    private const int MaxOutputBytes = 64 << 20;

    /// <summary>
    /// Runs <paramref name="program"/> to its end and returns its standard output. Its standard error is kept for the
    /// failure message, or passed through to ours when <paramref name="showProgress"/> is set.
    /// </summary>
    /// <param name="package">The Debian package that provides the program, named when it is missing.</param>
    public static async Task<byte[]> RunAsync(string program, IReadOnlyList<string> arguments, string package, CancellationToken ct, bool showProgress = false)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = !showProgress,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CliException($"'{program}' did not start; install Debian's {package} and run this again.");
        }
        catch (Win32Exception)
        {
            throw new CliException($"'{program}' is not installed; install Debian's {package} (./lifeboat quickstart does it for you).");
        }

        using (process)
        {
            var errors = showProgress ? Task.FromResult("") : process.StandardError.ReadToEndAsync(ct);
            byte[] output;
            try
            {
                output = await ReadBoundedAsync(process.StandardOutput.BaseStream, program, ct);
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                var detail = (await errors).Trim();
                throw new CliException($"'{program} {string.Join(' ', arguments)}' failed (exit code {process.ExitCode}){(detail.Length > 0 ? ": " + detail : "; its messages are above")}.");
            }

            return output;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, string program, CancellationToken ct)
    {
        using var output = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                if (output.Length + read > MaxOutputBytes)
                    throw new CliException($"'{program}' printed more than {MaxOutputBytes >> 20} MiB, which it never should here; run it by hand to see why.");
                output.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return output.ToArray();
    }
}
