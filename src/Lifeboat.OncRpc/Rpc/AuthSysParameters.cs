using System.Text;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Rpc;

/// <summary>authsys_parms of RFC 5531 appendix A: the caller's claimed identity (not proof of it).</summary>
public sealed record AuthSysParameters(uint Stamp, string MachineName, uint Uid, uint Gid, IReadOnlyList<uint> Gids)
{
    /// <summary>The limit on machinename's length in RFC 5531.</summary>
    public const int MaxMachineNameLength = 255;

    /// <summary>The limit on the number of supplementary groups in RFC 5531.</summary>
    public const int MaxGids = 16;

    /// <summary>Parses an AUTH_SYS credential body; false when it is truncated, breaks a cap.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out AuthSysParameters parameters)
    {
        parameters = null!;
        var reader = new XdrReader(body);
        if (!reader.TryReadUInt32(out var stamp)
            || !reader.TryReadOpaque(MaxMachineNameLength, out var machineName)
            || !reader.TryReadUInt32(out var uid)
            || !reader.TryReadUInt32(out var gid)
            || !reader.TryReadUInt32(out var gidCount)
            || gidCount > MaxGids
            || reader.Remaining < gidCount * 4)
        {
            return false;
        }

        var gids = gidCount == 0 ? [] : new uint[gidCount];
        for (var i = 0; i < gids.Length; i++)
        {
            gids[i] = reader.ReadUInt32();
        }

        // Machine names are informational: keep them readable even when a client sends bytes that are not UTF-8.
        parameters = new AuthSysParameters(stamp, Encoding.UTF8.GetString(machineName), uid, gid, gids);
        return true;
    }

    /// <summary>Writes this credential's body (without the flavor and length of opaque_auth).</summary>
    public void WriteTo(XdrWriter writer)
    {
        if (Gids.Count > MaxGids)
        {
            throw new InvalidOperationException($"AUTH_SYS carries at most {MaxGids} groups, not {Gids.Count}.");
        }

        writer.WriteUInt32(Stamp);
        writer.WriteString(MachineName);
        writer.WriteUInt32(Uid);
        writer.WriteUInt32(Gid);
        writer.WriteUInt32((uint)Gids.Count);
        foreach (var g in Gids)
        {
            writer.WriteUInt32(g);
        }
    }
}
