using System.Buffers.Binary;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>The data of NBD_OPT_INFO and NBD_OPT_GO: an export name and the information types the client asks for.</summary>
internal sealed record NbdInfoRequest(string ExportName, ReadOnlyMemory<byte> RawName, IReadOnlyList<NbdInfoType> Requests)
{
    public bool Asks(NbdInfoType type) => Requests.Contains(type);

    /// <summary>Parses an option's whole body; false with the sentence for NBD_REP_ERR_INVALID.</summary>
    public static bool TryParse(byte[] body, out NbdInfoRequest request, out string problem)
    {
        request = new("", default, []);
        problem = "";
        if (body.Length < 6)
        {
            problem = "the option is shorter than a name length and a request count";
            return false;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (nameLength > (uint)(body.Length - 6) || nameLength > NbdLimits.MaxStringLength)
        {
            problem = "the export name is longer than the option or than 4096 bytes";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(4 + (int)nameLength));
        if (4 + nameLength + 2 + (2 * count) != body.Length)
        {
            problem = "the information requests do not fill the option";
            return false;
        }

        if (!NbdText.TryDecode(body.AsSpan(4, (int)nameLength), out var name))
        {
            problem = "the export name is not UTF-8";
            return false;
        }

        var requests = new NbdInfoType[count];
        for (var i = 0; i < count; i++)
        {
            requests[i] = (NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(4 + (int)nameLength + 2 + (2 * i)));
        }

        request = new(name, body.AsMemory(4, (int)nameLength), requests);
        return true;
    }
}
