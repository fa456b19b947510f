using System.ComponentModel;
using System.Diagnostics;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>Runs libvirt's <c>virsh</c> against one connection URI and returns what it printed, or throws with its own words.</summary>
/// <exception cref="ArgumentException"><paramref name="connectUri"/> is not a <see cref="LibvirtUri"/> (checked here too: a job stored before the check).</exception>
public sealed class Virsh(string connectUri)
{
    public const string DefaultUri = "qemu:///system";
    private const int MaxOutputChars = 4 * 1024 * 1024;
    private const int MaxErrorChars = 2000;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    public string ConnectUri { get; } = LibvirtUri.Validate(connectUri, "the libvirt connection URI");

    /// <exception cref="LibvirtException">virsh failed (its stderr is the message) or is not installed.</exception>
    public async Task<string> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("virsh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ConnectUri);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LibvirtException("virsh did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new LibvirtException($"virsh cannot be run ({ex.Message}); install the Debian package libvirt-clients.", ex);
        }

        using (process)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(CommandTimeout);
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var errors = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var text = await output.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var error = (await errors.ConfigureAwait(false)).Trim();
                throw new LibvirtException($"virsh {string.Join(' ', start.ArgumentList.Skip(2))} failed: {error[..Math.Min(error.Length, MaxErrorChars)]}");
            }

            return text.Length > MaxOutputChars ? throw new LibvirtException($"virsh printed more than {MaxOutputChars} characters; that is no answer Lifeboat expects.") : text;
        }
    }

    public Task<string> RunAsync(params string[] arguments) => RunAsync((IEnumerable<string>)arguments);
}
