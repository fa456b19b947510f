using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>set_atime / set_mtime of RFC 1813 section 2.6: a time_how and, for SET_TO_CLIENT_TIME, the time.</summary>
public readonly record struct SetTime3(TimeHow How, NfsTime3 Time)
{
    public bool IsSet => How != TimeHow.DontChange;

    /// <summary>The time to store, given the server's clock for SET_TO_SERVER_TIME.</summary>
    public NfsTime3 Resolve(NfsTime3 now) => How == TimeHow.SetToClientTime ? Time : now;

    public static SetTime3 Decode(ref XdrReader reader)
    {
        var how = reader.ReadUInt32();
        return how switch
        {
            (uint)TimeHow.DontChange => default,
            (uint)TimeHow.SetToServerTime => new SetTime3(TimeHow.SetToServerTime, default),
            (uint)TimeHow.SetToClientTime => new SetTime3(TimeHow.SetToClientTime, NfsTime3.Decode(ref reader)),
            _ => throw new XdrException($"time_how {how} is not one of DONT_CHANGE, SET_TO_SERVER_TIME, SET_TO_CLIENT_TIME."),
        };
    }

    public void Encode(XdrWriter writer)
    {
        writer.WriteUInt32((uint)How);
        if (How == TimeHow.SetToClientTime)
        {
            Time.Encode(writer);
        }
    }
}
