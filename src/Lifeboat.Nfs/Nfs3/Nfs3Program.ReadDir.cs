using System.Text;
using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>READDIR and READDIRPLUS.</summary>
public sealed partial class Nfs3Program
{
    // status, post_op_attr, cookieverf3.
    private const int ReadDirHeaderSize = 4 + 4 + Fattr3.EncodedSize + 8;

    // the end of the entry list and eof.
    private const int ReadDirTrailerSize = 8;

    // value_follows, fileid, name length, cookie (the name's padded bytes come on top).
    private const int EntrySize = 4 + 8 + 4 + 8;

    // name_attributes (post_op_attr) and name_handle (post_op_fh3) of an entryplus3.
    private const int EntryPlusExtraSize = 4 + Fattr3.EncodedSize + 4 + 4 + DatastoreFileHandle.Size;

    private void ReadDir(ReadOnlyMemory<byte> arguments, RpcPeer peer, XdrWriter writer)
    {
        var args = ReadDir3Args.Decode(arguments);
        WriteDirectoryPage(writer, peer, Nfs3Proc.ReadDir, args.Dir, args.Cookie, args.CookieVerifier,
            Math.Min(args.Count, (uint)_options.MaxDirectoryReplySize), directoryBudget: null);
    }

    private void ReadDirPlus(ReadOnlyMemory<byte> arguments, RpcPeer peer, XdrWriter writer)
    {
        var args = ReadDirPlus3Args.Decode(arguments);
        WriteDirectoryPage(writer, peer, Nfs3Proc.ReadDirPlus, args.Dir, args.Cookie, args.CookieVerifier,
            Math.Min(args.MaxCount, (uint)_options.MaxDirectoryReplySize), directoryBudget: args.DirCount);
    }

    /// <summary>
    /// One page of a folder's entries after <paramref name="cookie"/>, as many as fit in <paramref name="budget"/> reply
    /// bytes. READDIRPLUS (<paramref name="directoryBudget"/> set, its dircount) adds each entry's attributes and handle,
    /// and its dircount also caps the bytes of names, file ids and cookies.
    /// </summary>
    private void WriteDirectoryPage(XdrWriter writer, RpcPeer peer, Nfs3Proc procedure, Nfs3FileHandle handle, ulong cookie, ulong cookieVerifier, uint budget, uint? directoryBudget)
    {
        var status = Resolve(handle, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, procedure, status);
            return;
        }

        var plus = directoryBudget is not null;
        status = ListFrom(dir, peer, cookie, cookieVerifier, out var entries, out var start);
        var end = start;
        long used = ReadDirHeaderSize + ReadDirTrailerSize;
        long directoryBytes = 0;
        while (status == Nfs3Status.Ok && end < entries.Count)
        {
            var name = Padded(entries[end].Entry.Name);
            var size = EntrySize + name + (plus ? EntryPlusExtraSize : 0);
            var directorySize = 8 + 4 + name + 8;
            if (used + size > budget || (plus && end > start && directoryBytes + directorySize > directoryBudget))
            {
                break;
            }

            used += size;
            directoryBytes += directorySize;
            end++;
        }

        if (status == Nfs3Status.Ok && end == start && start < entries.Count)
        {
            status = Nfs3Status.TooSmall;
        }

        writer.WriteUInt32((uint)status);
        Fattr3.EncodePostOp(writer, Attributes(dir));
        if (status != Nfs3Status.Ok)
        {
            return;
        }

        writer.WriteUInt64(_fileSystem.CookieVerifier);
        for (var i = start; i < end; i++)
        {
            var (entryCookie, entry) = entries[i];
            writer.WriteBool(true);
            writer.WriteUInt64(entry.Node.FileId);
            writer.WriteString(entry.Name);
            writer.WriteUInt64(entryCookie);
            if (plus)
            {
                WriteNewObject(writer, entry.Node, attributesFirst: true);
            }
        }

        writer.WriteBool(false);
        writer.WriteBool(end == entries.Count);
    }

    /// <summary>
    /// The folder's entries, "." and ".." included, in cookie order, and the index of the first one after
    /// <paramref name="cookie"/>.
    /// </summary>
    private Nfs3Status ListFrom(DatastoreNode dir, RpcPeer peer, ulong cookie, ulong cookieVerifier, out List<(ulong Cookie, DatastoreDirectoryEntry Entry)> sorted, out int start)
    {
        sorted = [];
        start = 0;
        if (cookie != DirectoryCookie.Start && cookieVerifier != 0 && cookieVerifier != _fileSystem.CookieVerifier)
        {
            return Nfs3Status.BadCookie;
        }

        var entries = new List<DatastoreDirectoryEntry>();
        var status = dir.List(entries);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        entries.Add(new DatastoreDirectoryEntry(".", dir));
        if (dir.Lookup("..", out var parent) == Nfs3Status.Ok)
        {
            entries.Add(new DatastoreDirectoryEntry("..", parent));
        }

        foreach (var entry in entries)
        {
            if (!Shows(peer, entry.Node))
            {
                continue;
            }

            sorted.Add((DirectoryCookie.Of(entry.Name), entry));
        }

        sorted.Sort(static (a, b) => a.Cookie.CompareTo(b.Cookie));
        while (start < sorted.Count && sorted[start].Cookie <= cookie)
        {
            start++;
        }

        return Nfs3Status.Ok;
    }

    private static int Padded(string name) => (Encoding.UTF8.GetByteCount(name) + 3) & ~3;
}
