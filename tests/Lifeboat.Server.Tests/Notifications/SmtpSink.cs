using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>aiosmtpd (Debian's python3-aiosmtpd) on a loopback port, started by the test; each message it receives is read back as a <see cref="ReceivedMail"/>.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TestFolder _folder;

    private SmtpSink(Process process, TestFolder folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <param name="tls">"starttls" or "smtps" with <paramref name="certificate"/>, or null for plain SMTP.</param>
    public static async Task<SmtpSink> StartAsync(string? tls = null, TestCertificate? certificate = null, (string User, string Password)? auth = null, bool plainAuth = false)
    {
        var folder = new TestFolder();
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Notifications", "smtp-sink.py"));
        start.ArgumentList.Add(folder.Path);
        if (tls is not null)
        {
            start.ArgumentList.Add("--" + tls);
            start.ArgumentList.Add(certificate!.CertificatePath);
            start.ArgumentList.Add(certificate.KeyPath);
        }

        if (auth is { } login)
        {
            start.ArgumentList.Add("--auth");
            start.ArgumentList.Add(login.User);
            start.ArgumentList.Add(login.Password);
        }

        if (plainAuth)
            start.ArgumentList.Add("--plain-auth");
        var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"aiosmtpd did not start: {line} {await errors}");
        }

        return new SmtpSink(process, folder, int.Parse(line[6..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public IReadOnlyList<ReceivedMail> Received() =>
        [.. Directory.EnumerateFiles(_folder.Path, "*.json").Order(StringComparer.Ordinal)
            .Select(path => JsonSerializer.Deserialize<ReceivedMail>(File.ReadAllText(path), Json)!)];

    /// <summary>Waits until <paramref name="count"/> messages have arrived.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var received = Received();
            if (received.Count >= count)
                return received;
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"aiosmtpd received {received.Count} message(s), not {count}, within {timeout.TotalSeconds} s.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
        _folder.Dispose();
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>What aiosmtpd saw: the envelope, TLS, the login, the headers and body as Python's email parser decodes them, the raw message.</summary>
public sealed record ReceivedMail(string MailFrom, List<string> RcptTos, bool Tls, string? Login, Dictionary<string, string> Headers, string? Body, string Raw);
