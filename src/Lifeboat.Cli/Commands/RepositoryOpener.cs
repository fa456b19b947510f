using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

internal static class RepositoryOpener
{
    public static BackupRepository Open(string path)
    {
        var full = Path.GetFullPath(path);
        return BackupRepository.Open(full, PasswordSource.ForOpen(full));
    }
}
