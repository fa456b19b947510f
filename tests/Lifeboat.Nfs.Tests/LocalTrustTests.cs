using System.Security.Cryptography;
using Lifeboat.Nfs.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// The exports on loopback serve root (libnfs binds a reserved port when run as root) and refuse any other local
/// user, as the kernel's NFS server does: nobody's nfs-ls, nfs-cat and nfs-cp get NFS3ERR_ACCES and write nothing.
/// </summary>
public sealed class LocalTrustTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Nobody_is_refused_mount_read_and_write_and_nothing_changes()
    {
        using var logs = new CollectingLoggerFactory();
        await using var server = await NfsTestServer.StartAsync(loggerFactory: logs);
        var disk = server.Disk.Snapshot();
        var cache = Contents(server.CacheFolder);
        var local = Path.Combine(Path.GetTempPath(), $"lifeboat-nobody-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(local, RandomNumberGenerator.GetBytes(64 * 1024));
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        try
        {
            var ls = await Tools.RunAsNobodyAsync("nfs-ls", server.Url("vm1"));
            var cat = await Tools.RunAsNobodyAsync("nfs-cat", server.Url("vm1/disk0.raw"));
            var create = await Tools.RunAsNobodyAsync("nfs-cp", local, server.Url("vm1/nobody.bin"));
            var write = await Tools.RunAsNobodyAsync("nfs-cp", local, server.Url("vm1/disk0.raw"));

            foreach (var (name, result) in new[] { ("nfs-ls", ls), ("nfs-cat", cat), ("nfs-cp (CREATE)", create), ("nfs-cp (WRITE)", write) })
            {
                Assert.True(result.ExitCode != 0, $"{name} as nobody succeeded: {result.Output}");
                output.WriteLine($"{name} as nobody: exit {result.ExitCode}: {result.Output.Trim()}");
            }

            Assert.Equal(disk, server.Disk.Snapshot());
            Assert.Equal(cache, Contents(server.CacheFolder));
            Assert.True(logs.Logger.Contains(LogLevel.Warning, "(socket of uid 65534)"), string.Join('\n', logs.Logger.Entries.Select(e => e.Message)));
        }
        finally
        {
            File.Delete(local);
        }
    }

    [Fact]
    public async Task Root_reads_with_libnfs_from_a_reserved_port()
    {
        using var logs = new CollectingLoggerFactory();
        await using var server = await NfsTestServer.StartAsync(loggerFactory: logs);

        var raw = await Tools.RunOkAsync("nfs-cat", server.Url("vm1/disk0.raw"));

        Assert.Equal(SHA256.HashData(server.Disk.Snapshot()), SHA256.HashData(raw.StdoutBytes));
        var accepted = logs.Logger.Entries.Where(e => e.Message.Contains(" accepted", StringComparison.Ordinal)).Select(e => e.Message).ToArray();
        foreach (var line in accepted)
        {
            output.WriteLine(line);
        }

        Assert.NotEmpty(accepted);
        Assert.All(accepted, line => Assert.Contains("(reserved port)", line, StringComparison.Ordinal));
    }

    /// <summary>Every file and folder under <paramref name="folder"/> with its length and content hash.</summary>
    private static string[] Contents(string folder) => !Directory.Exists(folder) ? [] :
        [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(path => File.Exists(path) ? $"{path} {new FileInfo(path).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}" : path)];
}
