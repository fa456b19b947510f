using System.Buffers.Binary;

namespace Lifeboat.Testing.Rpc;

/// <summary>
/// ONC RPC calls (RFC 5531) written byte by byte, independent of Lifeboat's own encoder, including ones no
/// well-behaved client would send.
/// </summary>
public static class RpcMessages
{
    public const uint RpcVersion = 2;
    public const uint AuthNone = 0;
    public const uint AuthSys = 1;

    /// <summary>A CALL, by default with AUTH_NONE credentials and verifier; <paramref name="arguments"/> padded to 4 bytes.</summary>
    public static byte[] Call(
        uint xid,
        uint program,
        uint version,
        uint procedure,
        uint rpcVersion = RpcVersion,
        uint credentialFlavor = AuthNone,
        byte[]? credentialBody = null,
        uint verifierFlavor = AuthNone,
        byte[]? arguments = null) =>
        [
            .. Words(xid, 0, rpcVersion, program, version, procedure, credentialFlavor),
            .. Opaque(credentialBody ?? []),
            .. Words(verifierFlavor, 0),
            .. Padded(arguments ?? []),
        ];

    /// <summary>A call with AUTH_SYS credentials, as QEMU and libnfs send them.</summary>
    public static byte[] AuthSysCall(uint xid, uint program, uint version, uint procedure, byte[] arguments, string machineName = "prober") =>
        Call(xid, program, version, procedure, credentialFlavor: AuthSys, credentialBody: AuthSysBody(machineName, 0, 0), arguments: arguments);

    public static byte[] AuthSysBody(string machineName, uint uid, uint gid, params uint[] gids) =>
        [.. Words(1234), .. Opaque(System.Text.Encoding.UTF8.GetBytes(machineName)), .. Words(uid, gid, (uint)gids.Length), .. Words(gids)];

    /// <summary>Variable-length opaque data: its length, the bytes, zero padding to a multiple of 4.</summary>
    public static byte[] Opaque(ReadOnlySpan<byte> data) => [.. Words((uint)data.Length), .. Padded(data)];

    public static byte[] Words(params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static byte[] Padded(ReadOnlySpan<byte> data)
    {
        var bytes = new byte[(data.Length + 3) & ~3];
        data.CopyTo(bytes);
        return bytes;
    }
}
