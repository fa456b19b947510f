using System.Diagnostics;
using System.Text;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>A receiver's check of a webhook's signature, made by openssl (not by the server's code): as the README tells receivers.</summary>
public static class WebhookSignatureCheck
{
    public static async Task<bool> IsValidAsync(ReceivedWebhook request, string secret)
    {
        var timestamp = request.Headers["X-Lifeboat-Timestamp"];
        var start = new ProcessStartInfo("openssl") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "dgst", "-sha256", "-hmac", secret, "-r" })
            start.ArgumentList.Add(argument);
        using var openssl = Process.Start(start)!;
        await openssl.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(timestamp + ".").Concat(request.Body).ToArray());
        openssl.StandardInput.Close();
        var output = await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        var expected = "sha256=" + output.Split(' ')[0].Trim();
        return openssl.ExitCode == 0 && expected == request.Headers["X-Lifeboat-Signature"];
    }
}
