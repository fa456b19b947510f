using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Lifeboat.Disks;

/// <summary>
/// Which boot of the machine this process runs in (Linux's random boot id): the kernel's page cache, and so
/// whatever was written to a file without fsync, survives a crash of a process but not a restart of the machine.
/// </summary>
internal readonly record struct MachineBoot(long High, long Low)
{
    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";

    private static readonly Lazy<MachineBoot> CurrentBoot = new(Read);

    public static MachineBoot Current => CurrentBoot.Value;

    private static MachineBoot Read()
    {
        Span<byte> bytes = stackalloc byte[16];
        try
        {
            if (Guid.TryParse(File.ReadAllText(BootIdPath).Trim(), out var id) && id != Guid.Empty)
                id.TryWriteBytes(bytes, bigEndian: true, out _);
            else
                RandomNumberGenerator.Fill(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Without a boot id no later process can tell a crash of this one from a restart of the machine: a
            // random id makes it trust none of this process's records that were not made durable.
            RandomNumberGenerator.Fill(bytes);
        }

        return new MachineBoot(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes[8..]));
    }
}
