using System.Buffers.Binary;
using System.Text;

namespace Lifeboat.Testing.Archives;

/// <summary>
/// Writes a ustar archive whose names are raw bytes (System.Formats.Tar takes strings, so it cannot write a name that is
/// not UTF-8). Only what the test disks need: files, folders and symlinks with names under 100 bytes, numeric owners.
/// </summary>
public sealed class RawTar(Stream output)
{
    private const int Block = 512;

    public void Folder(byte[] name, int mode, long uid, long gid, DateTimeOffset modifiedAt) =>
        Header(name, mode, uid, gid, 0, modifiedAt, (byte)'5', []);

    public void Symlink(byte[] name, byte[] target, long uid, long gid, DateTimeOffset modifiedAt) =>
        Header(name, 0x1ff, uid, gid, 0, modifiedAt, (byte)'2', target);

    public void File(byte[] name, ReadOnlySpan<byte> content, int mode, long uid, long gid, DateTimeOffset modifiedAt)
    {
        Header(name, mode, uid, gid, content.Length, modifiedAt, (byte)'0', []);
        output.Write(content);
        var padding = (Block - (content.Length % Block)) % Block;
        output.Write(new byte[padding]);
    }

    public void End() => output.Write(new byte[2 * Block]);

    private void Header(byte[] name, int mode, long uid, long gid, long size, DateTimeOffset modifiedAt, byte type, byte[] linkName)
    {
        if (name.Length > 99 || linkName.Length > 99)
            throw new ArgumentException("RawTar writes names and link targets under 100 bytes only.", nameof(name));
        Span<byte> header = stackalloc byte[Block];
        header.Clear();
        name.CopyTo(header);
        Octal(header.Slice(100, 8), mode);
        Octal(header.Slice(108, 8), uid);
        Octal(header.Slice(116, 8), gid);
        Octal(header.Slice(124, 12), size);
        Octal(header.Slice(136, 12), modifiedAt.ToUnixTimeSeconds());
        header[156] = type;
        linkName.CopyTo(header[157..]);
        "ustar\0"u8.CopyTo(header[257..]);
        "00"u8.CopyTo(header[263..]);
        header.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var value in header)
            sum += value;
        Octal(header.Slice(148, 7), sum);
        output.Write(header);
    }

    private static void Octal(Span<byte> field, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(digits, field);
        field[^1] = 0;
    }

    /// <summary>Deterministic bytes for a seed, so a file's checksum is known without storing it.</summary>
    public static byte[] Content(int seed, int length)
    {
        var bytes = new byte[length];
        var state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;
        Span<byte> word = stackalloc byte[8];
        for (var at = 0; at < length; at += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(word, state);
            word[..Math.Min(8, length - at)].CopyTo(bytes.AsSpan(at));
        }

        return bytes;
    }
}
