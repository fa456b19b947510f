using System.Buffers;
using System.Diagnostics;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Server;

/// <summary>Runs the valid requests of one connection against its export's device and builds their replies.</summary>
internal sealed class NbdRequestExecutor(NbdServerOptions options, ILogger logger, long connectionId)
{
    private readonly NbdServerOptions _options = options;
    private readonly ILogger _logger = logger;

    /// <summary>Runs one valid request; never throws: a device failure becomes NBD_EIO and a log line.</summary>
    public async ValueTask<NbdOutgoingReply> ExecuteAsync(NbdSession session, NbdRequestHeader request, byte[]? payload, long admitted, CancellationToken token)
    {
        var device = session.Device;
        var offset = (long)request.Offset;
        var fua = (request.Flags & NbdCommandFlags.Fua) != 0;
        var receivedAt = Stopwatch.GetTimestamp();
        long moved = 0;
        NbdOutgoingReply? reply = null;
        try
        {
            switch (request.Command)
            {
                case NbdCommand.Read:
                    reply = NbdReplies.ForRead(session.StructuredReplies, request, admitted);
                    if (request.Length > 0)
                    {
                        await device.ReadAsync(offset, reply.Buffer.AsMemory(NbdReplies.ReadDataOffset(session.StructuredReplies), (int)request.Length), token).ConfigureAwait(false);
                        moved = request.Length;
                    }

                    return reply;
                case NbdCommand.Write:
                    await device.WriteAsync(offset, payload.AsMemory(0, (int)request.Length), fua, token).ConfigureAwait(false);
                    moved = request.Length;
                    break;
                case NbdCommand.Flush:
                    await device.FlushAsync(token).ConfigureAwait(false);
                    break;
                case NbdCommand.Trim:
                    await device.TrimAsync(offset, request.Length, token).ConfigureAwait(false);
                    if (fua)
                    {
                        await device.FlushAsync(token).ConfigureAwait(false);
                    }

                    break;
                case NbdCommand.WriteZeroes:
                    var mayPunchHole = (request.Flags & NbdCommandFlags.NoHole) == 0;
                    await device.WriteZeroesAsync(offset, request.Length, mayPunchHole, token).ConfigureAwait(false);
                    if (fua)
                    {
                        await device.FlushAsync(token).ConfigureAwait(false);
                    }

                    break;
                case NbdCommand.BlockStatus:
                    return await BlockStatusAsync(session, request, admitted, token).ConfigureAwait(false);
            }

            return NbdReplies.Done(request.Cookie, admitted);
        }
        catch (Exception ex) when (token.IsCancellationRequested && ex is OperationCanceledException)
        {
            reply?.Return();
            return NbdReplies.Error(session.StructuredReplies, request.Cookie, NbdError.Shutdown, "the server is closing the connection", admitted);
        }
        catch (Exception ex)
        {
            reply?.Return();
            NbdServerLog.DeviceFailed(_logger, ex, session.ExportName, request.Command, request.Length, request.Offset, connectionId);
            return NbdReplies.Error(session.StructuredReplies, request.Cookie, NbdError.Io, "input/output error", admitted);
        }
        finally
        {
            ReturnPayload(payload);
            NbdMetrics.Record(request.Command, receivedAt, moved);
        }
    }

    private async ValueTask<NbdOutgoingReply> BlockStatusAsync(NbdSession session, NbdRequestHeader request, long admitted, CancellationToken token)
    {
        var reqOne = (request.Flags & NbdCommandFlags.ReqOne) != 0;
        var maxExtents = reqOne ? 1 : _options.MaxExtentsPerReply;
        var offset = (long)request.Offset;
        var end = offset + request.Length;
        var found = new List<NbdExtent>();
        if (request.Length > 0)
        {
            await session.Device.GetAllocationAsync(offset, request.Length, maxExtents, found, token).ConfigureAwait(false);
        }

        // Clip to the request, so every length fits the wire's 32 bits, and check the device kept its contract.
        var extents = new List<NbdExtent>(Math.Min(found.Count, maxExtents));
        var position = offset;
        foreach (var extent in found)
        {
            if (extents.Count == maxExtents || position >= end)
            {
                break;
            }

            if (extent.Offset != position || extent.Length <= 0)
            {
                throw new InvalidOperationException($"The device's allocation extents are not consecutive from {offset}: got [{extent.Offset}, +{extent.Length}) at {position}.");
            }

            var length = Math.Min(extent.End, end) - position;
            extents.Add(extent with { Length = length });
            position += length;
        }

        if (extents.Count == 0)
        {
            // A zero-length query, or a device that said nothing: one extent with no claims is always true.
            extents.Add(new NbdExtent(offset, Math.Max(request.Length, 1), 0));
        }

        return NbdReplies.BlockStatus(request.Cookie, session.AllocationContextId!.Value, extents, admitted);
    }

    public static void ReturnPayload(byte[]? payload)
    {
        if (payload is not null)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}
