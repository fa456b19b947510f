using System.Text.Json;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.FileRestore;

/// <summary>
/// The mount server's publications that file-restore sessions hold, kept in the server database: sessions live in
/// memory only, and their publications (which persist in the mount server's catalog) are removed at the next start
/// when a crash or a stop left them behind.
/// </summary>
public sealed class FileRestorePublications(ServerDatabase database)
{
    private const string Setting = "fileRestorePublications";
    private readonly Lock _gate = new();

    public IReadOnlyList<string> List()
    {
        lock (_gate)
            return Read();
    }

    public void Add(string publication) => Change(names => names.Add(publication));

    public void Remove(string publication) => Change(names => names.Remove(publication));

    private void Change(Func<SortedSet<string>, bool> change)
    {
        lock (_gate)
        {
            var names = new SortedSet<string>(Read(), StringComparer.Ordinal);
            if (change(names))
                database.SetSetting(Setting, JsonSerializer.Serialize(names.ToArray(), FileRestoreJsonContext.Default.StringArray));
        }
    }

    private string[] Read() =>
        database.GetSetting(Setting) is { } text ? JsonSerializer.Deserialize(text, FileRestoreJsonContext.Default.StringArray) ?? [] : [];
}
