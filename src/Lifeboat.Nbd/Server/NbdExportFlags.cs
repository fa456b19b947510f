using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>The transmission flags an export is announced with: what its device can do.</summary>
internal static class NbdExportFlags
{
    public static NbdTransmissionFlags Of(INbdBlockDevice device)
    {
        var flags = NbdTransmissionFlags.HasFlags;
        if (device.CanMultiConn)
        {
            flags |= NbdTransmissionFlags.CanMultiConn;
        }

        if (device.CanFlush)
        {
            flags |= NbdTransmissionFlags.SendFlush | NbdTransmissionFlags.SendFua;
        }

        if (device.IsReadOnly)
        {
            return flags | NbdTransmissionFlags.ReadOnly;
        }

        flags |= NbdTransmissionFlags.SendWriteZeroes;
        return device.CanTrim ? flags | NbdTransmissionFlags.SendTrim : flags;
    }
}
