using System.Globalization;
using Lifeboat.Testing.Processes;

namespace Lifeboat.Testing.Rpc;

/// <summary>
/// A real unprivileged RPC client, the tests' local attacker: python3 run as nobody (setpriv: uid 65534, one group and
/// no others) sends one call with AUTH_NONE, over TCP from an ordinary port or over a unix socket, and prints the
/// reply's words. It shares no code with Lifeboat's client, so the server sees a stranger's bytes.
/// </summary>
public static class UnprivilegedRpcCall
{
    /// <summary>nobody's own group (nogroup).</summary>
    public const uint NoGroup = 65534;

    private const string Script = """
        import socket, struct, sys
        kind, address = sys.argv[1:3]
        prog, vers, proc = map(int, sys.argv[3:6])
        args = b''.join(struct.pack('>I', int(a)) for a in sys.argv[6:])
        try:
            if kind == 'tcp':
                s = socket.create_connection(('127.0.0.1', int(address)))
                source = [s.getsockname()[1]]
            else:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(address)
                source = []
        except PermissionError:
            print('PermissionError'); sys.exit(0)
        body = struct.pack('>IIIIII', 7, 0, 2, prog, vers, proc) + struct.pack('>IIII', 0, 0, 0, 0) + args
        s.sendall(struct.pack('>I', 0x80000000 | len(body)) + body)
        data = b''
        while len(data) < 4 or len(data) < 4 + (struct.unpack('>I', data[:4])[0] & 0x7fffffff):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        reply = data[4:]
        xid, mtype, stat = struct.unpack('>III', reply[:12])
        if stat != 0:
            print(*source, 'denied', struct.unpack('>I', reply[12:16])[0])
        else:
            accept = struct.unpack('>I', reply[20:24])[0]
            results = struct.unpack('>%dI' % ((len(reply) - 24) // 4), reply[24:24 + (len(reply) - 24) // 4 * 4])
            print(*source, accept, *(results or ['none']))
        """;

    /// <summary>
    /// One call to 127.0.0.1:<paramref name="port"/> as nobody with no groups. The words: the caller's source port
    /// (never a reserved one), then the accept status and the result's words ("none" when it has none), or "denied"
    /// and the reject status.
    /// </summary>
    public static async Task<string[]> OverTcpAsync(int port, uint program, uint version, uint procedure, params uint[] arguments)
    {
        var words = await CallAsync("tcp", port.ToString(CultureInfo.InvariantCulture), NoGroup, program, version, procedure, arguments);
        Assert.True(int.Parse(words[0], CultureInfo.InvariantCulture) >= 1024, $"nobody's source port {words[0]} is reserved");
        return words;
    }

    /// <summary>
    /// One call over the unix socket at <paramref name="path"/> as nobody whose one group is <paramref name="group"/>.
    /// The words: the accept status and the result's words, or "denied" and the reject status; or the one word
    /// "PermissionError" when the socket's permissions kept the caller from connecting.
    /// </summary>
    public static Task<string[]> OverUnixSocketAsync(string path, uint group, uint program, uint version, uint procedure, params uint[] arguments) =>
        CallAsync("unix", path, group, program, version, procedure, arguments);

    private static async Task<string[]> CallAsync(string kind, string address, uint group, uint program, uint version, uint procedure, uint[] arguments)
    {
        string[] call = [kind, address, .. new[] { program, version, procedure }.Concat(arguments).Select(word => word.ToString(CultureInfo.InvariantCulture))];
        var (exitCode, output) = await Tools.RunAsync(
            "setpriv", ["--reuid=65534", $"--regid={group}", "--clear-groups", "/usr/bin/python3", "-c", Script, .. call]);
        Assert.True(exitCode == 0, $"python3 as nobody exited {exitCode}: {output}");
        return output.Trim().Split(' ');
    }
}
