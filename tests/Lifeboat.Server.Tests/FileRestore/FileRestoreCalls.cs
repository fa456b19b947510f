using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>The test's calls to /api/file-restores.</summary>
internal static class FileRestoreCalls
{
    public static string Session(string id) => $"api/file-restores/{id}";

    public static string Query(string name, string value) => $"{name}={Uri.EscapeDataString(value)}";

    public static async Task<T> GetAsync<T>(this HttpClient http, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var answer = await http.GetAsync(path);
        Assert.True(answer.IsSuccessStatusCode, $"GET {path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        return (await answer.Content.ReadFromJsonAsync(type))!;
    }

    public static Task<List<GuestFileSystemView>> FileSystemsAsync(this HttpClient http, string id) =>
        http.GetAsync($"{Session(id)}/filesystems", ContractsJsonContext.Default.ListGuestFileSystemView);

    public static Task<GuestFolderView> TreeAsync(this HttpClient http, string id, string path, int offset = 0, int limit = 1000) =>
        http.GetAsync($"{Session(id)}/tree?{Query("path", path)}&offset={offset}&limit={limit}", ContractsJsonContext.Default.GuestFolderView);

    public static Task<GuestEntryView> StatAsync(this HttpClient http, string id, string path) =>
        http.GetAsync($"{Session(id)}/stat?{Query("path", path)}", ContractsJsonContext.Default.GuestEntryView);

    public static Task<FileRestoreSessionView> SessionAsync(this HttpClient http, string id) =>
        http.GetAsync(Session(id), ContractsJsonContext.Default.FileRestoreSessionView);

    public static string DownloadPath(string id, string format, params string[] paths) =>
        $"{Session(id)}/download?{Query("format", format)}{string.Concat(paths.Select(p => "&" + Query("path", p)))}";

    /// <summary>Downloads into <paramref name="file"/>; the answer's status, or why the stream broke.</summary>
    public static async Task<(HttpStatusCode Status, string? Error, string? DownloadId)> DownloadAsync(this HttpClient http, string id, string file, string format, params string[] paths)
    {
        using var answer = await http.GetAsync(DownloadPath(id, format, paths), HttpCompletionOption.ResponseHeadersRead);
        var downloadId = answer.Headers.TryGetValues("Lifeboat-Download", out var values) ? values.Single() : null;
        if (!answer.IsSuccessStatusCode)
            return (answer.StatusCode, (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError))?.Message, downloadId);
        try
        {
            await using var output = File.Create(file);
            await (await answer.Content.ReadAsStreamAsync()).CopyToAsync(output);
            return (answer.StatusCode, null, downloadId);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return (answer.StatusCode, "broken: " + e.Message, downloadId);
        }
    }

    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
