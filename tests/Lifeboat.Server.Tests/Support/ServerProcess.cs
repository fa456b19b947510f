using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Server.Contracts;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Repository;
using Lifeboat.Server.Api;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Storage;
using Lifeboat.Server.Sessions;
using Lifeboat.Testing.Processes;

namespace Lifeboat.Server.Tests.Support;

/// <summary>
/// A real `lifeboat-server` process on a data folder of its own, and the test's HTTP client for it. Disposing kills
/// the server and any VM its sessions left running, so a failed test leaves no QEMU behind.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string[] _extraArguments;
    private Process? _process;

    private ServerProcess(string dataDirectory, ServerAddress address, int port, string[] extraArguments)
    {
        DataDirectory = dataDirectory;
        Address = address;
        Port = port;
        _extraArguments = extraArguments;
        var handler = new HttpClientHandler();
        if (address.Https)
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && TrustsCertificate(certificate);
        Http = new HttpClient(handler) { BaseAddress = new Uri($"{address.Scheme}://{address.Host}:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public ServerAddress Address { get; }

    /// <summary>What the test's clients accept over HTTPS: the fingerprint the test gave, or the certificate the server keeps.</summary>
    public bool TrustsCertificate(X509Certificate2 certificate)
    {
        var trusted = Address.TrustedFingerprint
            ?? CertificateFingerprint.Of(X509Certificate2.CreateFromPem(File.ReadAllText(new DataFolder(DataDirectory).Certificate)));
        return CertificateFingerprint.Matches(certificate, trusted);
    }

    public string DataDirectory { get; }

    public int Port { get; }

    /// <summary>HTTP client with the admin API token of the data folder (see <see cref="Token"/>).</summary>
    public HttpClient Http { get; }

    /// <summary>The admin API token the server wrote into its data folder on the first start.</summary>
    public string Token { get; private set; } = "";

    public string RepositoryPath => Path.Combine(DataDirectory, "repository");

    private string? _timeZone;

    public string LogPath => DataDirectory + ".server.log";

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>
    /// Arguments for a server that needs no portmap on port 111 (no VM reaches it through QEMU's nfs:// driver): portmap
    /// on a free port of its own and NFS on any free port, so it never takes 111 or 2049 from a test that holds
    /// <see cref="Port111Lock"/>.
    /// </summary>
    public static string[] OwnPorts() =>
        ["--portmap-port", FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture), "--nfs-port", "0"];

    public static Task<ServerProcess> StartAsync(string dataDirectory, params string[] extraArguments) =>
        StartAsync(dataDirectory, ServerAddress.Loopback, extraArguments);

    /// <summary>Starts a server whose time zone is <paramref name="timeZone"/> (TZ), e.g. America/New_York.</summary>
    public static Task<ServerProcess> StartInZoneAsync(string dataDirectory, string timeZone, params string[] extraArguments) =>
        StartAsync(new ServerProcess(dataDirectory, ServerAddress.Loopback, FreePorts.Tcp(), extraArguments) { _timeZone = timeZone });

    public static Task<ServerProcess> StartAsync(string dataDirectory, ServerAddress address, params string[] extraArguments) =>
        StartAsync(new ServerProcess(dataDirectory, address, FreePorts.Tcp(), extraArguments));

    private static async Task<ServerProcess> StartAsync(ServerProcess server)
    {
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            // A server that never answered is killed here: the caller gets no object to dispose.
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Starts the server (again, after <see cref="KillAsync"/>) on the same data folder and port.</summary>
    public async Task StartAgainAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "lifeboat-server.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { dll, "--data", DataDirectory, "--listen", $"{Address.Host}:{Port}" }.Concat(_extraArguments))
            start.ArgumentList.Add(argument);
        if (_timeZone is not null)
            start.Environment["TZ"] = _timeZone;
        var process = Process.Start(start)!;
        var log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => WriteLine(log, e.Data);
        process.ErrorDataReceived += (_, e) => WriteLine(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The server exited with {process.ExitCode}:{Environment.NewLine}{ReadLog()}");
            try
            {
                // The token file is written before the server listens; every test's calls then carry it.
                using var answer = await Http.GetAsync("health");
                if (answer.IsSuccessStatusCode)
                {
                    Token = (await File.ReadAllTextAsync(Path.Combine(DataDirectory, ApiTokenFile.FileName))).Trim();
                    Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (elapsed.Elapsed > StartTimeout)
                throw new TimeoutException($"The server did not answer within {StartTimeout}:{Environment.NewLine}{ReadLog()}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM, as a service manager stops it: waits up to <paramref name="timeout"/> for it to exit and gives its exit code and how long it took.</summary>
    /// <exception cref="TimeoutException">It still ran after <paramref name="timeout"/> (it is then killed).</exception>
    public async Task<(int ExitCode, TimeSpan Took)> StopAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("The server is not running.");
        var took = Stopwatch.StartNew();
        await Tools.RunOkAsync("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var waiting = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(waiting.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
                throw new TimeoutException($"The server did not stop within {timeout.TotalSeconds:0} s of SIGTERM and was killed:{Environment.NewLine}{ReadLog()}");
            }
        }

        var exitCode = process.ExitCode;
        process.Dispose();
        _process = null;
        return (exitCode, took.Elapsed);
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
            return;
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public string ReadLog()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length > 20000 ? text[^20000..] : text;
        }
        catch (FileNotFoundException)
        {
            return "(no log)";
        }
    }

    /// <summary>Waits until the log holds <paramref name="text"/>: the server's console logger writes in the background.</summary>
    public async Task<string> WaitForLogAsync(string text, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var log = ReadLog();
            if (log.Contains(text, StringComparison.Ordinal))
                return log;
            if (elapsed.Elapsed > timeout)
                throw new TimeoutException($"The server's log did not show \"{text}\" within {timeout}:{Environment.NewLine}{log}");
            await Task.Delay(100);
        }
    }

    /// <summary>Backs a disk up into the server's own repository, as `lifeboat backup` would.</summary>
    public async Task<RestorePointInfo> BackupAsync(string vm, string disk, string? vmConfig)
    {
        using var repository = BackupRepository.Open(RepositoryPath, password: null);
        return await repository.BackupAsync(new BackupRequest(vm, [disk], vmConfig));
    }

    public async Task<SessionView> RecoverAsync(RecoveryRequest request)
    {
        using var answer = await Http.PostAsJsonAsync("api/sessions", request, ContractsJsonContext.Default.RecoveryRequest);
        await EnsureSuccessAsync(answer);
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
    }

    /// <summary>Creates <paramref name="folder"/> and declares it a datastore, as an admin does before operators migrate there.</summary>
    public async Task<string> DeclareDatastoreAsync(string name, string folder)
    {
        Directory.CreateDirectory(folder);
        using var answer = await Http.PostAsJsonAsync("api/datastores", new AddDatastoreRequest(name, folder), ContractsJsonContext.Default.AddDatastoreRequest);
        await EnsureSuccessAsync(answer);
        return folder;
    }

    public async Task<SessionView> GetAsync(string id) =>
        (await Http.GetFromJsonAsync($"api/sessions/{id}", ContractsJsonContext.Default.SessionView))!;

    public async Task<SessionView> WaitAsync(string id, Func<SessionView, bool> condition, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var session = await GetAsync(id);
            if (condition(session))
                return session;
            if (elapsed.Elapsed > timeout)
                throw new TimeoutException($"Session {id} is {session.State} at {session.Phase} after {timeout}; error: {session.Error}; steps:{Environment.NewLine}{Describe(session)}{Environment.NewLine}{ReadLog()}");
            await Task.Delay(200);
        }
    }

    public Task<SessionView> WaitForEndAsync(string id, TimeSpan timeout) =>
        WaitAsync(id, s => s.State is SessionState.Finalized or SessionState.Stopped or SessionState.Failed, timeout);

    public async Task<string> ConsoleAsync(string id) => await Http.GetStringAsync($"api/sessions/{id}/console");

    /// <summary>Waits for a console line containing <paramref name="text"/> and returns the last such line.</summary>
    public async Task<string> WaitForConsoleAsync(string id, string text, TimeSpan timeout, int occurrences = 1)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var lines = (await ConsoleAsync(id)).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains(text, StringComparison.Ordinal)).ToList();
            if (lines.Count >= occurrences)
                return lines[^1];
            if (elapsed.Elapsed > timeout)
                throw new TimeoutException($"The console of session {id} did not show \"{text}\" {occurrences} time(s) within {timeout}:{Environment.NewLine}{await ConsoleAsync(id)}");
            await Task.Delay(250);
        }
    }

    public async Task<HttpResponseMessage> PostAsync<T>(string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        await Http.PostAsJsonAsync(path, body, type);

    public static string Describe(SessionView session) =>
        string.Join(Environment.NewLine, session.Steps.Select(s => $"  {s.Phase} / {s.Name}: {s.Result} {s.DurationSeconds}s {s.Message}"));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        var runtime = Path.Combine(DataDirectory, "run");
        if (Directory.Exists(runtime))
        {
            foreach (var folder in Directory.EnumerateDirectories(runtime))
                await VmRuntimeFolder.KillAsync(folder, CancellationToken.None);
        }

        Http.Dispose();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage answer)
    {
        if (!answer.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)answer.StatusCode} {answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
    }

    private static void WriteLine(StreamWriter log, string? line)
    {
        if (line is null)
            return;
        lock (log)
            log.WriteLine(line);
    }
}
