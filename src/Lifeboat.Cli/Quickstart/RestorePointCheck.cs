using System.Buffers;
using System.Security.Cryptography;
using Lifeboat.Cli.Commands;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Quickstart;

/// <summary>That a restore point is as it was backed up: every chunk verifies, and its disk reads back bit for bit as it did right after the backup.</summary>
internal static class RestorePointCheck
{
    private const int ReadSize = 1 << 20;

    public static async Task<string> RunAsync(string repositoryPath, string restorePointId, string expectedSha256, CancellationToken ct)
    {
        using var repository = RepositoryOpener.Open(repositoryPath);
        var report = await repository.VerifyAsync(restorePointId, null, ct);
        if (!report.Ok)
            throw new CliException($"Restore point {restorePointId} no longer verifies ({report.BadChunks.Count} bad chunks); run `lifeboat verify --repo {repositoryPath}` and report it.");
        if (await Sha256Async(repository, restorePointId, ct) != expectedSha256)
            throw new CliException($"Restore point {restorePointId} no longer reads back as it did right after the backup; keep {repositoryPath} and report it.");
        return $"restore point {restorePointId}: {report.ChunksChecked} chunks intact, and its disk reads back bit for bit as right after the backup";
    }

    /// <summary>The SHA-256 of the restore point's first disk as the repository reads it back.</summary>
    public static async Task<string> Sha256Async(string repositoryPath, string restorePointId, CancellationToken ct)
    {
        using var repository = RepositoryOpener.Open(repositoryPath);
        return await Sha256Async(repository, restorePointId, ct);
    }

    private static async Task<string> Sha256Async(BackupRepository repository, string restorePointId, CancellationToken ct)
    {
        using var disk = repository.OpenDisk(restorePointId, 0);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            for (long offset = 0; offset < disk.Length;)
            {
                var read = await disk.ReadAsync(offset, buffer.AsMemory(0, ReadSize), ct);
                if (read == 0)
                    break;
                hash.AppendData(buffer, 0, read);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
