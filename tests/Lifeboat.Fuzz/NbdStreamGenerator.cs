using System.Buffers.Binary;
using System.Text;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Fuzz;

/// <summary>Well-formed NBD client streams: fixed-newstyle flags, a few options ending in GO or EXPORT_NAME, then requests.</summary>
internal static class NbdStreamGenerator
{
    public const string Export = "disk";
    public const int DiskSize = 1 << 20;

    public static byte[] Next(Random random)
    {
        var stream = new List<byte>();
        stream.AddRange(UInt32((uint)(NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes)));
        if (random.Next(2) == 0)
        {
            stream.AddRange(Option(NbdOption.StructuredReply, []));
            stream.AddRange(Option(NbdOption.SetMetaContext, [.. Name(Export), .. UInt32(1), .. Name("base:allocation")]));
        }

        if (random.Next(4) == 0)
        {
            stream.AddRange(Option(NbdOption.List, []));
            stream.AddRange(Option(NbdOption.Info, [.. Name(Export), 0, 0]));
        }

        if (random.Next(3) == 0)
        {
            stream.AddRange(Option(NbdOption.ExportName, Encoding.UTF8.GetBytes(Export)));
        }
        else
        {
            stream.AddRange(Option(NbdOption.Go, [.. Name(Export), 0, 1, 0, 3]));
        }

        var requests = random.Next(0, 8);
        for (var r = 0; r < requests; r++)
        {
            var command = (NbdCommand)random.Next(0, 8);
            var length = (uint)random.Next(0, 3) switch { 0 => 512u, 1 => 4096u, _ => (uint)random.Next(1, 70_000) };
            var offset = (ulong)random.Next(0, DiskSize);
            var header = new byte[NbdWire.RequestHeaderSize];
            BinaryPrimitives.WriteUInt32BigEndian(header, NbdMagic.Request);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)(random.Next(4) == 0 ? random.Next(0, 16) : 0));
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)command);
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), (ulong)r);
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), offset);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), length);
            stream.AddRange(header);
            if (command == NbdCommand.Write)
            {
                stream.AddRange(new byte[length]);
            }
        }

        return [.. stream];
    }

    private static byte[] Option(NbdOption option, byte[] data)
    {
        var header = new byte[NbdWire.OptionHeaderSize];
        BinaryPrimitives.WriteUInt64BigEndian(header, NbdMagic.Option);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), (uint)data.Length);
        return [.. header, .. data];
    }

    private static byte[] Name(string name) => [.. UInt32((uint)Encoding.UTF8.GetByteCount(name)), .. Encoding.UTF8.GetBytes(name)];

    private static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
