using Lifeboat.Server.Contracts.Hosts;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lifeboat.Server.Contracts.Hosting;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The CLI's side of the server's REST API. The address comes from LIFEBOAT_SERVER (default 127.0.0.1:<see cref="RestApi.DefaultPort"/>); every
/// failure becomes one sentence: no server there and how to start one, or the server's own error message.
/// </summary>
internal sealed class ServerClient : IDisposable
{
    public const string AddressVariable = "LIFEBOAT_SERVER";
    public static readonly string DefaultAddress = RestApi.DefaultAddress;

    /// <summary>Seconds the CLI waits for the server's answer (60 unless set): a slow link or a loaded server may need more.</summary>
    public const string TimeoutVariable = "LIFEBOAT_TIMEOUT";
    private const string ConsoleOffsetHeader = "Lifeboat-Console-Offset";

    private readonly HttpClient _http;
    private readonly string? _dataFolder;
    private readonly ServerCertificateCheck _certificate;
    private ApiCredentials _credentials;

    /// <param name="dataFolder">The server's data folder, whose token file the CLI reads when LIFEBOAT_TOKEN is not set.</param>
    public ServerClient(string? address = null, TimeSpan? timeout = null, string? dataFolder = null)
    {
        BaseAddress = ParseAddress(address ?? Environment.GetEnvironmentVariable(AddressVariable) ?? DefaultAddress);
        _certificate = new ServerCertificateCheck(Environment.GetEnvironmentVariable(CertificateFingerprint.Variable));
        _http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => _certificate.Validate(certificate, errors) })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? DefaultTimeout(),
        };
        _dataFolder = dataFolder;
        _credentials = ApiCredentials.Find(dataFolder);
        Authorize();
    }

    public Uri BaseAddress { get; }

    /// <summary>A client of the same server and credentials that waits <paramref name="timeout"/> for each answer.</summary>
    public ServerClient WithTimeout(TimeSpan timeout) => new(BaseAddress.ToString(), timeout, _dataFolder);

    public Task<ServerInfoView> GetServerAsync(CancellationToken ct) => GetAsync("api/server", ContractsJsonContext.Default.ServerInfoView, ct);

    public Task<List<SessionView>> ListSessionsAsync(CancellationToken ct) => GetAsync("api/sessions", ContractsJsonContext.Default.ListSessionView, ct);

    public Task<SessionView> GetSessionAsync(string id, CancellationToken ct) =>
        GetAsync($"api/sessions/{Uri.EscapeDataString(id)}", ContractsJsonContext.Default.SessionView, ct);

    /// <summary>
    /// The session once it is no longer the copy tagged <paramref name="etag"/>: the server holds the request up to
    /// <paramref name="wait"/> for a change, and a null session means none came. Without a tag it answers at once; a
    /// null tag back means a server that cannot wait, to be polled instead.
    /// </summary>
    public async Task<(SessionView? Session, string? ETag)> GetSessionChangeAsync(string id, string? etag, TimeSpan wait, CancellationToken ct)
    {
        var path = $"api/sessions/{Uri.EscapeDataString(id)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            request.Headers.TryAddWithoutValidation("Prefer", $"wait={Math.Max(1, (int)wait.TotalSeconds)}");
        }

        using var answer = await CallAsync(() => _http.SendAsync(request, ct));
        var tag = answer.Headers.ETag?.ToString();
        if (answer.StatusCode == HttpStatusCode.NotModified)
            return (null, tag ?? etag);
        await EnsureSuccessAsync(answer, ct);
        return (await ReadAsync(answer, path, ContractsJsonContext.Default.SessionView, ct), tag);
    }

    /// <summary>Starts a recovery: the request leaves before the answer's metadata is built (see <see cref="SendAsync{T}(HttpMethod, string, HttpContent?, Func{JsonTypeInfo{T}}, CancellationToken)"/>).</summary>
    public Task<SessionView> RecoverAsync(RecoveryRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/sessions", JsonContent.Create(request, ContractsJsonContext.Default.RecoveryRequest), () => ContractsJsonContext.Default.SessionView, ct);

    public Task<SessionView> AttachDiskAsync(Lifeboat.Server.Contracts.Sessions.DiskRecoveryRequest request, CancellationToken ct) =>
        PostAsync("api/disk-recoveries", request, ContractsJsonContext.Default.DiskRecoveryRequest, ContractsJsonContext.Default.SessionView, ct);

    public Task<SessionView> MigrateAsync(string id, MigrationRequest request, CancellationToken ct) =>
        PostAsync($"api/sessions/{Uri.EscapeDataString(id)}/migrate", request, ContractsJsonContext.Default.MigrationRequest,
            ContractsJsonContext.Default.SessionView, ct);

    public Task<SessionView> StopAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/sessions/{Uri.EscapeDataString(id)}/stop", null, ContractsJsonContext.Default.SessionView, ct);

    public Task<SessionView> VerifyAsync(VerificationRequest request, CancellationToken ct) =>
        PostAsync("api/verifications", request, ContractsJsonContext.Default.VerificationRequest, ContractsJsonContext.Default.SessionView, ct);

    public Task<VerificationView> GetVerificationAsync(string id, CancellationToken ct) =>
        GetAsync($"api/verifications/{Uri.EscapeDataString(id)}", ContractsJsonContext.Default.VerificationView, ct);

    public Task<List<VerificationView>> ListVerificationsAsync(string? vm, CancellationToken ct) =>
        GetAsync(vm is null ? "api/verifications" : $"api/verifications?vm={Uri.EscapeDataString(vm)}", ContractsJsonContext.Default.ListVerificationView, ct);

    public Task<RepositoryView> AddRepositoryAsync(string path, CancellationToken ct) =>
        PostAsync("api/repositories", new AddRepositoryRequest(path), ContractsJsonContext.Default.AddRepositoryRequest,
            ContractsJsonContext.Default.RepositoryView, ct);

    public Task<List<RepositoryView>> ListRepositoriesAsync(CancellationToken ct) => GetAsync("api/repositories", ContractsJsonContext.Default.ListRepositoryView, ct);

    public Task<RepositoryCheckView> CheckRepositoryAsync(string path, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/repositories/check?path={Uri.EscapeDataString(path)}", null, ContractsJsonContext.Default.RepositoryCheckView, ct);

    public Task UnregisterRepositoryAsync(string path, CancellationToken ct) => DeleteAsync($"api/repositories?path={Uri.EscapeDataString(path)}", ct);

    public Task<List<DatastoreView>> ListDatastoresAsync(CancellationToken ct) => GetAsync("api/datastores", ContractsJsonContext.Default.ListDatastoreView, ct);

    public Task<DatastoreView> AddDatastoreAsync(AddDatastoreRequest request, CancellationToken ct) =>
        PostAsync("api/datastores", request, ContractsJsonContext.Default.AddDatastoreRequest, ContractsJsonContext.Default.DatastoreView, ct);

    public Task RemoveDatastoreAsync(string name, CancellationToken ct) => DeleteAsync($"api/datastores/{Uri.EscapeDataString(name)}", ct);

    public Task<List<HostView>> ListHostsAsync(CancellationToken ct) => GetAsync("api/hosts", ContractsJsonContext.Default.ListHostView, ct);

    public Task<HostView> AddHostAsync(AddHostRequest request, CancellationToken ct) =>
        PostAsync("api/hosts", request, ContractsJsonContext.Default.AddHostRequest, ContractsJsonContext.Default.HostView, ct);

    public Task RemoveHostAsync(string name, CancellationToken ct) => DeleteAsync($"api/hosts/{Uri.EscapeDataString(name)}", ct);

    public Task<List<JobView>> ListJobsAsync(CancellationToken ct) => GetAsync("api/jobs", ContractsJsonContext.Default.ListJobView, ct);

    public Task<JobView> AddJobAsync(JobSpec spec, CancellationToken ct) =>
        PostAsync("api/jobs", spec, ContractsJsonContext.Default.JobSpec, ContractsJsonContext.Default.JobView, ct);

    public Task RemoveJobAsync(string name, CancellationToken ct) => DeleteAsync(JobPath(name), ct);

    public Task<JobRunView> RunJobAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, JobPath(name) + "/run", null, ContractsJsonContext.Default.JobRunView, ct);

    public Task<List<JobRunView>> GetJobHistoryAsync(string name, int? limit, CancellationToken ct) =>
        GetAsync(JobPath(name) + "/history" + (limit is { } n ? $"?limit={n}" : ""), ContractsJsonContext.Default.ListJobRunView, ct);

    public Task<JobRunView> GetJobRunAsync(string name, long id, CancellationToken ct) =>
        GetAsync($"{JobPath(name)}/history/{id}", ContractsJsonContext.Default.JobRunView, ct);

    public Task<List<UserView>> ListUsersAsync(CancellationToken ct) => GetAsync("api/users", ContractsJsonContext.Default.ListUserView, ct);

    public Task<AddedUserView> AddUserAsync(AddUserRequest request, CancellationToken ct) =>
        PostAsync("api/users", request, ContractsJsonContext.Default.AddUserRequest, ContractsJsonContext.Default.AddedUserView, ct);

    public Task RemoveUserAsync(string name, CancellationToken ct) => DeleteAsync($"api/users/{Uri.EscapeDataString(name)}", ct);

    public async Task SetPasswordAsync(string name, ChangePasswordRequest request, CancellationToken ct)
    {
        using var answer = await CallAsync(() => _http.PostAsync($"api/users/{Uri.EscapeDataString(name)}/password",
            JsonContent.Create(request, ContractsJsonContext.Default.ChangePasswordRequest), ct));
        await EnsureSuccessAsync(answer, ct);
    }

    public Task<List<TokenView>> ListTokensAsync(CancellationToken ct) => GetAsync("api/tokens", ContractsJsonContext.Default.ListTokenView, ct);

    public Task<CreatedTokenView> CreateTokenAsync(CreateTokenRequest request, CancellationToken ct) =>
        PostAsync("api/tokens", request, ContractsJsonContext.Default.CreateTokenRequest, ContractsJsonContext.Default.CreatedTokenView, ct);

    public Task RevokeTokenAsync(string nameOrId, CancellationToken ct) => DeleteAsync($"api/tokens/{Uri.EscapeDataString(nameOrId)}", ct);

    public Task<List<AuditEntry>> ListAuditAsync(int limit, CancellationToken ct) =>
        GetAsync($"api/audit?limit={limit}", ContractsJsonContext.Default.ListAuditEntry, ct);

    /// <summary>The VM's serial console from byte <paramref name="offset"/>, and where the next read starts.</summary>
    public async Task<(string Text, long NextOffset)> ReadConsoleAsync(string id, long offset, CancellationToken ct)
    {
        using var answer = await CallAsync(() => _http.GetAsync($"api/sessions/{Uri.EscapeDataString(id)}/console?offset={offset}", ct));
        await EnsureSuccessAsync(answer, ct);
        var text = await answer.Content.ReadAsStringAsync(ct);
        var next = answer.Headers.TryGetValues(ConsoleOffsetHeader, out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : offset;
        return (text, next);
    }

    public void Dispose() => _http.Dispose();

    internal async Task DeleteAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        using var answer = await CallAsync(() => _http.SendAsync(request, ct));
        await EnsureSuccessAsync(answer, ct);
    }

    internal Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, type, ct);

    internal Task<TResult> PostAsync<TBody, TResult>(string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, JsonContent.Create(body, bodyType), resultType, ct);

    /// <summary>GET whose body the caller streams (the response is handed over once its headers are in); an error answer is thrown as its sentence.</summary>
    internal async Task<HttpResponseMessage> GetStreamAsync(string path, CancellationToken ct)
    {
        var answer = await CallAsync(() => _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct));
        try
        {
            await EnsureSuccessAsync(answer, ct);
            return answer;
        }
        catch
        {
            answer.Dispose();
            throw;
        }
    }

    internal Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendAsync(method, path, content, () => type, ct);

    /// <param name="type">
    /// Asked for once the request is on its way. A large document's metadata is built at its first use, and the JIT
    /// compiles hundreds of generic methods for it (a SessionView: about 600, most of the CLI's start before its first
    /// request); asked for here, that work overlaps the connection and the server's answer instead of preceding them.
    /// </param>
    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, Func<JsonTypeInfo<T>> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var sending = CallAsync(() => _http.SendAsync(request, ct));
        var answerType = type();
        using var answer = await sending;
        await EnsureSuccessAsync(answer, ct);
        return await ReadAsync(answer, path, answerType, ct);
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage answer, string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        try
        {
            return await answer.Content.ReadFromJsonAsync(type, ct)
                ?? throw new CliException($"The server at {BaseAddress} answered {path} with nothing; check that LIFEBOAT_SERVER points at a Lifeboat server.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new CliException($"The server at {BaseAddress} answered {path} with something that is not a Lifeboat document; check that LIFEBOAT_SERVER points at a Lifeboat server.");
        }
    }

    /// <summary>
    /// Sends the token once there is one: a server the CLI has just started writes its token file before it listens,
    /// so a client made before then looks again.
    /// </summary>
    private void Authorize()
    {
        if (_http.DefaultRequestHeaders.Authorization is not null)
            return;
        if (_credentials.Token is null)
            _credentials = ApiCredentials.Find(_dataFolder);
        if (_credentials.Token is { } token)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private async Task<HttpResponseMessage> CallAsync(Func<Task<HttpResponseMessage>> call)
    {
        Authorize();
        try
        {
            return await call();
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError && _certificate.Refusal is { } refusal)
        {
            throw new CliException($"The server at {BaseAddress} {refusal}");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            throw new CliException($"The server name '{BaseAddress.Host}' in {AddressVariable} does not resolve; check its spelling, or give the server's IP address.");
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            throw new CliException(
                $"No Lifeboat server answers at {BaseAddress}; start one with `lifeboat server` (or set {AddressVariable} to the address of a running one).");
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new CliException($"Cannot reach {BaseAddress} ({(e.InnerException ?? e).Message.TrimEnd('.')}); check {AddressVariable} and the network to the server.");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            var plain = BaseAddress.Scheme == Uri.UriSchemeHttps ? new UriBuilder(BaseAddress) { Scheme = Uri.UriSchemeHttp, Port = BaseAddress.Port }.Uri : null;
            throw new CliException(plain is null
                ? $"The TLS handshake with the server at {BaseAddress} failed ({OneLine(e)}); check its certificate and address."
                : $"The server at {BaseAddress} does not answer HTTPS ({OneLine(e)}); a server listening on loopback speaks plain HTTP: set {AddressVariable}={plain}.");
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
            || e.InnerException is IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } })
        {
            var what = e.HttpRequestError == HttpRequestError.InvalidResponse ? "answered with something that is not HTTP" : "closed the connection without an answer";
            throw new CliException(BaseAddress.Scheme == Uri.UriSchemeHttp
                ? $"The server at {BaseAddress} {what}; if it serves HTTPS set {AddressVariable}={new UriBuilder(BaseAddress) { Scheme = Uri.UriSchemeHttps, Port = BaseAddress.Port }.Uri}, else check that it is a Lifeboat server."
                : $"The server at {BaseAddress} {what}; check that {AddressVariable} points at a Lifeboat server.");
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new CliException(
                $"The server at {BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s; check that it is a Lifeboat server and runs, or wait longer with {TimeoutVariable}=SECONDS.");
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"The exchange with the server at {BaseAddress} failed ({OneLine(e)}); check that {AddressVariable} points at a Lifeboat server.");
        }
    }

    private static string OneLine(Exception e) => string.Join(' ', (e.InnerException ?? e).Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');

    private static TimeSpan DefaultTimeout()
    {
        var text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrEmpty(text))
            return TimeSpan.FromSeconds(60);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is <= 0 or > 86_400)
            throw new CliException($"{TimeoutVariable}='{text}' is not a number of seconds between 0 and 86400.");
        return TimeSpan.FromSeconds(seconds);
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage answer, CancellationToken ct)
    {
        if (answer.IsSuccessStatusCode)
            return;
        if (answer.StatusCode == HttpStatusCode.Unauthorized)
            throw new CliException(_credentials.Refused(BaseAddress));
        string? message = null;
        try
        {
            if (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError, ct) is { } refused)
                message = ServerRefusal.Sentence(refused, answer.RequestMessage?.RequestUri is { } uri ? BaseAddress.MakeRelativeUri(uri).ToString() : null);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not one of the server's error documents; the status code says enough.
        }

        throw new CliException(message ?? $"The server at {BaseAddress} answered {(int)answer.StatusCode} {answer.StatusCode}; check that LIFEBOAT_SERVER points at a Lifeboat server.");
    }

    private static string JobPath(string name) => $"api/jobs/{Uri.EscapeDataString(name)}";

    private static Uri ParseAddress(string text)
    {
        var value = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"{AddressVariable}='{text}' is not a server address such as 127.0.0.1:{RestApi.DefaultPort} or http://host:{RestApi.DefaultPort}.");
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }
}
