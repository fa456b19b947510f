using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Rpc;

/// <summary>The call_body of RFC 5531 section 9 up to the procedure's arguments.</summary>
public readonly struct RpcCallHeader
{
    /// <summary>The ONC RPC version this implementation speaks.</summary>
    public const uint RpcVersion = 2;

    /// <summary>The largest opaque_auth body RFC 5531 allows.</summary>
    public const int MaxAuthBodyLength = 400;

    private RpcCallHeader(uint xid, uint program, uint version, uint procedure, RpcCredentials credentials, int argumentsOffset)
    {
        Xid = xid;
        Program = program;
        Version = version;
        Procedure = procedure;
        Credentials = credentials;
        ArgumentsOffset = argumentsOffset;
    }

    public uint Xid { get; }

    public uint Program { get; }

    public uint Version { get; }

    public uint Procedure { get; }

    public RpcCredentials Credentials { get; }

    /// <summary>Where the procedure's arguments start in the message.</summary>
    public int ArgumentsOffset { get; }

    /// <summary>
    /// Parses a call message. Never throws on bad input: <paramref name="xid"/> is valid unless the status is
    /// <see cref="RpcCallHeaderStatus.Malformed"/>, and <paramref name="authError"/> tells why credentials were refused.
    /// </summary>
    public static RpcCallHeaderStatus TryParse(ReadOnlySpan<byte> message, out RpcCallHeader header, out uint xid, out AuthStat authError)
    {
        header = default;
        authError = AuthStat.Ok;
        var reader = new XdrReader(message);
        if (!reader.TryReadUInt32(out xid)
            || !reader.TryReadUInt32(out var messageType)
            || messageType != (uint)RpcMessageType.Call
            || !reader.TryReadUInt32(out var rpcVersion))
        {
            return RpcCallHeaderStatus.Malformed;
        }

        if (rpcVersion != RpcVersion)
        {
            return RpcCallHeaderStatus.RpcVersionMismatch;
        }

        if (!reader.TryReadUInt32(out var program)
            || !reader.TryReadUInt32(out var version)
            || !reader.TryReadUInt32(out var procedure))
        {
            return RpcCallHeaderStatus.Malformed;
        }

        if (!TryReadCredentials(ref reader, out var credentials))
        {
            authError = AuthStat.BadCred;
            return RpcCallHeaderStatus.AuthError;
        }

        if (!reader.TryReadUInt32(out var verifierFlavor)
            || !reader.TryReadOpaque(MaxAuthBodyLength, out _))
        {
            authError = AuthStat.BadVerf;
            return RpcCallHeaderStatus.AuthError;
        }

        // AUTH_NONE and AUTH_SYS calls carry an AUTH_NONE verifier; anything else would need checking we cannot do.
        if (verifierFlavor != (uint)AuthFlavor.None)
        {
            authError = AuthStat.BadVerf;
            return RpcCallHeaderStatus.AuthError;
        }

        header = new RpcCallHeader(xid, program, version, procedure, credentials, reader.Position);
        return RpcCallHeaderStatus.Ok;
    }

    private static bool TryReadCredentials(ref XdrReader reader, out RpcCredentials credentials)
    {
        credentials = RpcCredentials.None;
        if (!reader.TryReadUInt32(out var flavor) || !reader.TryReadOpaque(MaxAuthBodyLength, out var body))
        {
            return false;
        }

        switch ((AuthFlavor)flavor)
        {
            case AuthFlavor.None:
                return true;
            case AuthFlavor.Sys:
                if (!AuthSysParameters.TryParse(body, out var parameters))
                {
                    return false;
                }

                credentials = RpcCredentials.FromSys(parameters);
                return true;
            default:
                return false;
        }
    }
}
