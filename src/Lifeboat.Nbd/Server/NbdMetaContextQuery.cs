using System.Buffers.Binary;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>The data of NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT: an export name and its queries.</summary>
internal sealed record NbdMetaContextQuery(string ExportName, IReadOnlyList<string> Queries)
{
    /// <summary>
    /// Parses an option's whole body. False with <paramref name="problem"/> for the client; <paramref name="tooBig"/>
    /// when only the number of queries was refused (NBD_REP_ERR_TOO_BIG rather than NBD_REP_ERR_INVALID).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out NbdMetaContextQuery query, out string problem, out bool tooBig)
    {
        query = new("", []);
        problem = "";
        tooBig = false;
        if (body.Length < 8)
        {
            problem = "the option is shorter than a name length and a query count";
            return false;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (nameLength > (uint)(body.Length - 8) || nameLength > NbdLimits.MaxStringLength || !NbdText.TryDecode(body.Slice(4, (int)nameLength), out var name))
        {
            problem = "the export name is too long or not UTF-8";
            return false;
        }

        var position = 4 + (int)nameLength;
        var count = BinaryPrimitives.ReadUInt32BigEndian(body[position..]);
        position += 4;
        if (count > NbdLimits.MaxMetaContextQueries)
        {
            problem = $"{count} queries are more than the {NbdLimits.MaxMetaContextQueries} accepted";
            tooBig = true;
            return false;
        }

        var queries = new List<string>((int)count);
        for (var i = 0; i < count; i++)
        {
            if (body.Length - position < 4)
            {
                problem = "a query length lies past the end of the option";
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(body[position..]);
            position += 4;
            if (length > (uint)(body.Length - position) || length > NbdLimits.MaxStringLength || !NbdText.TryDecode(body.Slice(position, (int)length), out var text))
            {
                problem = "a query is longer than the option or than 4096 bytes, or is not UTF-8";
                return false;
            }

            position += (int)length;
            queries.Add(text);
        }

        if (position != body.Length)
        {
            problem = "bytes follow the last query";
            return false;
        }

        query = new(name, queries);
        return true;
    }
}
