using System.Buffers;
using System.Buffers.Binary;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>READ, WRITE and COMMIT: the data path.</summary>
public sealed partial class Nfs3Program
{
    // status, post_op_attr (bool + fattr3), count, eof, data length.
    private const int ReadReplyHeaderSize = 4 + 4 + Fattr3.EncodedSize + 4 + 4 + 4;

    /// <summary>
    /// The data is read straight into the reply buffer behind room left for the header, which is filled in once the
    /// count and eof are known: no copy of the data on the server side.
    /// </summary>
    private async ValueTask<RpcAcceptStatus> ReadAsync(ReadOnlyMemory<byte> arguments, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        var args = Read3Args.Decode(arguments);
        var writer = new XdrWriter(results);
        var status = Resolve(args.File, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Read, status);
            return RpcAcceptStatus.Success;
        }

        if (node.Type != Ftype3.Reg)
        {
            writer.WriteUInt32((uint)(node.Type == Ftype3.Dir ? Nfs3Status.IsDir : Nfs3Status.Inval));
            Fattr3.EncodePostOp(writer, Attributes(node));
            return RpcAcceptStatus.Success;
        }

        var count = (int)Math.Min(args.Count, (uint)_options.MaxReadSize);
        var reply = results.GetMemory(ReadReplyHeaderSize + ((count + 3) & ~3));
        var result = args.Offset > long.MaxValue
            ? new Datastore.DatastoreReadResult(Nfs3Status.Ok, 0, true)
            : await node.ReadAsync((long)args.Offset, reply.Slice(ReadReplyHeaderSize, count), cancellationToken).ConfigureAwait(false);
        var attributes = Attributes(node);
        if (result.Status != Nfs3Status.Ok || attributes is null)
        {
            writer.WriteUInt32((uint)(result.Status == Nfs3Status.Ok ? Nfs3Status.Io : result.Status));
            Fattr3.EncodePostOp(writer, attributes);
            return RpcAcceptStatus.Success;
        }

        var span = reply.Span;
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)Nfs3Status.Ok);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], 1);
        attributes.Value.Write(span[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(8 + Fattr3.EncodedSize)..], (uint)result.Count);
        BinaryPrimitives.WriteUInt32BigEndian(span[(12 + Fattr3.EncodedSize)..], result.Eof ? 1u : 0u);
        BinaryPrimitives.WriteUInt32BigEndian(span[(16 + Fattr3.EncodedSize)..], (uint)result.Count);
        var padded = (result.Count + 3) & ~3;
        span.Slice(ReadReplyHeaderSize + result.Count, padded - result.Count).Clear();
        results.Advance(ReadReplyHeaderSize + padded);
        NfsMetrics.BytesRead.Add(result.Count);
        return RpcAcceptStatus.Success;
    }

    private async ValueTask<RpcAcceptStatus> WriteAsync(ReadOnlyMemory<byte> arguments, XdrWriter writer, CancellationToken cancellationToken)
    {
        var args = Write3Args.Decode(arguments);
        var status = Resolve(args.File, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Write, status);
            return RpcAcceptStatus.Success;
        }

        var before = Before(node);
        var data = args.Data;
        if (args.Count > data.Length || data.Length > _options.MaxWriteSize)
        {
            status = Nfs3Status.Inval;
        }
        else if (args.Offset > (ulong)(long.MaxValue - data.Length))
        {
            status = Nfs3Status.FBig;
        }
        else if (node.Type != Ftype3.Reg)
        {
            status = node.Type == Ftype3.Dir ? Nfs3Status.IsDir : Nfs3Status.Inval;
        }

        var committed = StableHow.Unstable;
        if (status == Nfs3Status.Ok)
        {
            data = data[..(int)args.Count];
            var result = await node.WriteAsync((long)args.Offset, data, args.Stable, cancellationToken).ConfigureAwait(false);
            status = result.Status;
            committed = result.Committed;
            if (status == Nfs3Status.Ok)
                NfsMetrics.BytesWritten.Add(data.Length);
        }

        writer.WriteUInt32((uint)status);
        new WccData(before, Attributes(node)).Encode(writer);
        if (status == Nfs3Status.Ok)
        {
            writer.WriteUInt32((uint)data.Length);
            writer.WriteUInt32((uint)committed);
            writer.WriteUInt64(node.WriteVerifier);
        }

        return RpcAcceptStatus.Success;
    }

    private async ValueTask<RpcAcceptStatus> CommitAsync(ReadOnlyMemory<byte> arguments, XdrWriter writer, CancellationToken cancellationToken)
    {
        var args = Commit3Args.Decode(arguments);
        var status = Resolve(args.File, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Commit, status);
            return RpcAcceptStatus.Success;
        }

        var before = Before(node);
        status = node.Type == Ftype3.Reg
            ? await node.CommitAsync(cancellationToken).ConfigureAwait(false)
            : node.Type == Ftype3.Dir ? Nfs3Status.IsDir : Nfs3Status.Inval;
        writer.WriteUInt32((uint)status);
        new WccData(before, Attributes(node)).Encode(writer);
        if (status == Nfs3Status.Ok)
        {
            writer.WriteUInt64(node.WriteVerifier);
        }

        return RpcAcceptStatus.Success;
    }
}
