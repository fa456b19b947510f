using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>The checks every request passes before the device sees it, with the error the protocol names for each.</summary>
internal static class NbdRequestValidation
{
    private const NbdCommandFlags KnownFlags = NbdCommandFlags.Fua | NbdCommandFlags.NoHole | NbdCommandFlags.Df | NbdCommandFlags.ReqOne | NbdCommandFlags.FastZero;

    public static NbdError Check(in NbdRequestHeader request, NbdSession session, int maxPayload, out string reason)
    {
        reason = "";
        var flags = request.Flags;
        var command = request.Command;
        if ((flags & ~KnownFlags) != 0
            || ((flags & NbdCommandFlags.NoHole) != 0 && command != NbdCommand.WriteZeroes)
            || ((flags & NbdCommandFlags.ReqOne) != 0 && command != NbdCommand.BlockStatus)
            || (flags & (NbdCommandFlags.Df | NbdCommandFlags.FastZero)) != 0
            || ((flags & NbdCommandFlags.Fua) != 0 && (session.Flags & NbdTransmissionFlags.SendFua) == 0))
        {
            reason = $"flags 0x{(ushort)flags:x4} are not valid for {command}";
            return NbdError.Inval;
        }

        var readOnly = (session.Flags & NbdTransmissionFlags.ReadOnly) != 0;
        switch (command)
        {
            case NbdCommand.Read or NbdCommand.Cache:
                if (command == NbdCommand.Read && request.Length > maxPayload)
                {
                    reason = $"a read of {request.Length} bytes exceeds the {maxPayload}-byte maximum payload";
                    return NbdError.Inval;
                }

                return CheckRange(request, session, NbdError.Inval, ref reason);
            case NbdCommand.Write or NbdCommand.WriteZeroes:
                if (readOnly)
                {
                    reason = "the export is read-only";
                    return NbdError.Perm;
                }

                return CheckRange(request, session, NbdError.NoSpc, ref reason);
            case NbdCommand.Trim:
                if (readOnly)
                {
                    reason = "the export is read-only";
                    return NbdError.Perm;
                }

                if ((session.Flags & NbdTransmissionFlags.SendTrim) == 0)
                {
                    reason = "the export does not take trims";
                    return NbdError.Inval;
                }

                return CheckRange(request, session, NbdError.Inval, ref reason);
            case NbdCommand.Flush:
                if ((session.Flags & NbdTransmissionFlags.SendFlush) == 0)
                {
                    reason = "the export has nothing to flush";
                    return NbdError.Inval;
                }

                return NbdError.None;
            case NbdCommand.BlockStatus:
                if (session.AllocationContextId is null)
                {
                    reason = "no metadata context was selected";
                    return NbdError.Inval;
                }

                return CheckRange(request, session, NbdError.Inval, ref reason);
            default:
                reason = $"command {(ushort)command} is unknown";
                return NbdError.Inval;
        }
    }

    private static NbdError CheckRange(in NbdRequestHeader request, NbdSession session, NbdError error, ref string reason)
    {
        var size = (ulong)session.Device.Size;
        if (request.Offset > size || request.Length > size - request.Offset)
        {
            reason = $"[{request.Offset}, +{request.Length}) lies past the export's end at {size}";
            return error;
        }

        return NbdError.None;
    }
}
