using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

internal static class RepositoryOpener
{
    public static BackupRepository Open(string path, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var full = Path.GetFullPath(path);
        return BackupRepository.Open(full, PasswordSource.ForOpen(full), logger);
    }
}
