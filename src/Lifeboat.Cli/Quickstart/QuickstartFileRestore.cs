using Lifeboat.Cli.Commands;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The story's file-level restore: one file as it was at the first backup, read from the restore point by a libguestfs
/// appliance over the mount server's NBD export (nothing mounted on this machine), through the server's REST API.
/// </summary>
internal sealed class QuickstartFileRestore(ServerClient server)
{
    /// <summary>The guest's root file system: partition 2 of disk 0, as its admin knows it.</summary>
    public const string RootFileSystem = "sda2";

    private readonly FilesClient _files = new(server);

    /// <summary>The file systems the appliance found, and the bytes of <paramref name="path"/> on the root file system.</summary>
    public async Task<(IReadOnlyList<GuestFileSystemView> FileSystems, byte[] Content)> ReadAsync(string vm, string restorePointId, string path, CancellationToken ct)
    {
        var session = await _files.OpenAsync(vm, restorePointId, ct);
        try
        {
            var fileSystems = await _files.FileSystemsAsync(session.Id, ct);
            using var response = await _files.DownloadAsync(session.Id, [$"{RootFileSystem}:{path}"], "raw", ct);
            using var content = new MemoryStream();
            await (await response.Content.ReadAsStreamAsync(ct)).CopyToAsync(content, ct);
            return (fileSystems, content.ToArray());
        }
        finally
        {
            await _files.CloseAsync(session.Id, CancellationToken.None);
        }
    }
}
