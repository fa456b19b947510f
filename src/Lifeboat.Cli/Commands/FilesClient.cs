using System.Globalization;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Cli.Commands;

/// <summary>The CLI's side of /api/file-restores.</summary>
internal sealed class FilesClient(ServerClient server)
{
    public const string DownloadHeader = "Lifeboat-Download";

    public ServerClient Server => server;

    public Task<FileRestoreSessionView> OpenAsync(string vm, string? restorePoint, CancellationToken ct) =>
        server.PostAsync("api/file-restores", new OpenFileRestoreRequest(vm, restorePoint), ContractsJsonContext.Default.OpenFileRestoreRequest,
            ContractsJsonContext.Default.FileRestoreSessionView, ct);

    public Task<FileRestoreSessionView> GetAsync(string id, CancellationToken ct) => server.GetAsync(Session(id), ContractsJsonContext.Default.FileRestoreSessionView, ct);

    public Task CloseAsync(string id, CancellationToken ct) => server.DeleteAsync(Session(id), ct);

    public Task<List<GuestFileSystemView>> FileSystemsAsync(string id, CancellationToken ct) =>
        server.GetAsync($"{Session(id)}/filesystems", ContractsJsonContext.Default.ListGuestFileSystemView, ct);

    public Task<GuestFolderView> TreeAsync(string id, string path, int offset, int limit, CancellationToken ct) =>
        server.GetAsync(string.Create(CultureInfo.InvariantCulture, $"{Session(id)}/tree?path={Uri.EscapeDataString(path)}&offset={offset}&limit={limit}"),
            ContractsJsonContext.Default.GuestFolderView, ct);

    public Task<GuestEntryView> StatAsync(string id, string path, CancellationToken ct) =>
        server.GetAsync($"{Session(id)}/stat?path={Uri.EscapeDataString(path)}", ContractsJsonContext.Default.GuestEntryView, ct);

    public Task<List<GuestEntryView>> FindAsync(string id, string pattern, string? under, int limit, CancellationToken ct) =>
        server.GetAsync(
            string.Create(CultureInfo.InvariantCulture, $"{Session(id)}/find?pattern={Uri.EscapeDataString(pattern)}&limit={limit}{(under is null ? "" : "&under=" + Uri.EscapeDataString(under))}"),
            ContractsJsonContext.Default.ListGuestEntryView, ct);

    /// <summary>The download's response, its headers in; the caller reads the body and disposes it.</summary>
    public Task<HttpResponseMessage> DownloadAsync(string id, IReadOnlyList<string> paths, string format, CancellationToken ct) =>
        server.GetStreamAsync(
            $"{Session(id)}/download?format={Uri.EscapeDataString(format)}{string.Concat(paths.Select(p => "&path=" + Uri.EscapeDataString(p)))}", ct);

    /// <summary>Why a download whose stream broke failed, as the session says; null when it does not say.</summary>
    public async Task<string?> DownloadErrorAsync(string id, HttpResponseMessage response)
    {
        var download = response.Headers.TryGetValues(DownloadHeader, out var values) ? values.FirstOrDefault() : null;
        try
        {
            var session = await GetAsync(id, CancellationToken.None);
            return session.Downloads?.FirstOrDefault(d => d.Id == download)?.Error;
        }
        catch (CliException)
        {
            return null;
        }
    }

    private static string Session(string id) => $"api/file-restores/{Uri.EscapeDataString(id)}";
}
