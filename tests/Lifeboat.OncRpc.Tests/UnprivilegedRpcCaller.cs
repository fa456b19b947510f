namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// A real unprivileged RPC client: python3 run as nobody (setpriv) sends one call with AUTH_NONE over TCP from an
/// ordinary port and prints its source port and the reply's first result word (or "denied N" for MSG_DENIED).
/// </summary>
internal static class UnprivilegedRpcCaller
{
    private const string Script = """
        import socket, struct, sys
        port, prog, vers, proc = map(int, sys.argv[1:5])
        args = b''.join(struct.pack('>I', int(a)) for a in sys.argv[5:])
        s = socket.create_connection(('127.0.0.1', port))
        body = struct.pack('>IIIIII', 7, 0, 2, prog, vers, proc) + struct.pack('>IIII', 0, 0, 0, 0) + args
        s.sendall(struct.pack('>I', 0x80000000 | len(body)) + body)
        data = b''
        while len(data) < 4 or len(data) < 4 + (struct.unpack('>I', data[:4])[0] & 0x7fffffff):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        reply = data[4:]
        xid, mtype, stat = struct.unpack('>III', reply[:12])
        if stat != 0:
            print(s.getsockname()[1], 'denied', struct.unpack('>I', reply[12:16])[0])
        else:
            accept = struct.unpack('>I', reply[20:24])[0]
            result = struct.unpack('>I', reply[24:28])[0] if len(reply) >= 28 else 'none'
            print(s.getsockname()[1], accept, result)
        """;

    /// <summary>The caller's source port and the words after it: accept status and first result, or "denied" and the reject status.</summary>
    public static async Task<string[]> CallAsync(int port, uint program, uint version, uint procedure, params uint[] arguments)
    {
        var (exitCode, output) = await Tools.RunAsNobodyAsync(
            "/usr/bin/python3", ["-c", Script, port.ToString(), program.ToString(), version.ToString(), procedure.ToString(), .. arguments.Select(a => a.ToString())]);
        Assert.True(exitCode == 0, $"python3 as nobody exited {exitCode}: {output}");
        var words = output.Trim().Split(' ');
        Assert.True(int.Parse(words[0]) >= 1024, $"nobody's source port {words[0]} is reserved");
        return words;
    }
}
