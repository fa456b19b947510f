using Lifeboat.OncRpc.Fuzzing;
using Lifeboat.OncRpc.Portmap;

namespace Lifeboat.OncRpc.Tests;

public class RpcFuzzTests
{
    /// <summary>Well-formed streams the mutations start from: portmap calls with every credential kind.</summary>
    private static readonly byte[][] Seeds =
    [
        RpcMessages.Frame(RpcMessages.Call(1, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Null)),
        RpcMessages.Frame(RpcMessages.Call(2, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Set, arguments: [0, 1, 0x86, 0xA3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 8, 1])),
        RpcMessages.Frame(RpcMessages.Call(3, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.GetPort, credentialFlavor: 1, credentialBody: RpcMessages.AuthSysBody("h", 0, 0, 1, 2), arguments: [0, 1, 0x86, 0xA3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0])),
        [
            .. RpcMessages.Frame(RpcMessages.Call(4, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Dump), fragments: 3),
            .. RpcMessages.Frame(RpcMessages.Call(5, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Unset, arguments: [0, 1, 0x86, 0xA3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 8, 1])),
            .. RpcMessages.Frame([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ],
    ];

    [Fact]
    public void Seeds_run_cleanly()
    {
        foreach (var seed in Seeds)
        {
            RpcFuzz.Run(seed);
        }
    }

    [Fact]
    public void Thousands_of_mutated_and_random_inputs_never_throw()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 5000; i++)
        {
            var input = i % 5 == 0 ? RandomBytes(random) : Mutate(random, Seeds[random.Next(Seeds.Length)]);
            var exception = Record.Exception(() => RpcFuzz.Run(input));
            Assert.True(exception is null, $"input {Convert.ToHexString(input)} raised {exception}");
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    // Interesting integers where lengths and counts live.
                    uint[] interesting = [0, 1, 3, 4, 16, 17, 255, 256, 400, 401, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];
                    var value = interesting[random.Next(interesting.Length)];
                    var word = at & ~3;
                    for (var b = 0; b < 4 && word + b < bytes.Count; b++)
                    {
                        bytes[word + b] = (byte)(value >> (24 - (8 * b)));
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
