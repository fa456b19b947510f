using Lifeboat.Nfs.Fuzzing;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// Mutations of valid MOUNT and NFS arguments through <see cref="NfsFuzz.Run"/>: a decoder or procedure that throws
/// anything but XdrException (GARBAGE_ARGS) fails the test with the input that did it.
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 6000;

    [Fact]
    public void Mutated_arguments_never_raise_anything_but_garbage_args()
    {
        var seeds = Seeds();
        var random = new Random(20261125);
        for (var i = 0; i < Iterations; i++)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var input = Mutate(seed, random);
            try
            {
                NfsFuzz.Run(input);
            }
            catch (Exception ex)
            {
                Assert.Fail($"Input {Convert.ToHexString(input)} raised {ex}");
            }
        }
    }

    [Fact]
    public void The_seeds_themselves_decode()
    {
        foreach (var seed in Seeds())
        {
            NfsFuzz.Run(seed);
        }

        Assert.Throws<XdrException>(() => Read3Args.Decode(new byte[] { 0, 0, 0, 32 }));
    }

    private static List<byte[]> Seeds()
    {
        var root = new Nfs3FileHandle(NfsFuzz.RootHandle);
        var where = new DirOpArgs3(root, "vm1");
        var attributes = new Sattr3(0x1A4, 0, 0, 4096, new SetTime3(TimeHow.SetToServerTime, default), new SetTime3(TimeHow.SetToClientTime, new NfsTime3(1, 2)));
        var nfs = new Dictionary<Nfs3Proc, Action<XdrWriter>>
        {
            [Nfs3Proc.GetAttr] = root.Encode,
            [Nfs3Proc.SetAttr] = new SetAttr3Args(root, attributes, new NfsTime3(3, 4)).Encode,
            [Nfs3Proc.Lookup] = where.Encode,
            [Nfs3Proc.Access] = new Access3Args(root, Access3.All).Encode,
            [Nfs3Proc.ReadLink] = root.Encode,
            [Nfs3Proc.Read] = new Read3Args(root, 0, 4096).Encode,
            [Nfs3Proc.Write] = new Write3Args(root, 0, 8, StableHow.Unstable, new byte[8]).Encode,
            [Nfs3Proc.Create] = new Create3Args(where, CreateMode3.Guarded, attributes, 0).Encode,
            [Nfs3Proc.MkDir] = new MkDir3Args(where, attributes).Encode,
            [Nfs3Proc.Symlink] = new Symlink3Args(where, attributes, "../x").Encode,
            [Nfs3Proc.MkNod] = new MkNod3Args(where, Ftype3.Chr, attributes, 1, 2).Encode,
            [Nfs3Proc.Remove] = where.Encode,
            [Nfs3Proc.RmDir] = where.Encode,
            [Nfs3Proc.Rename] = new Rename3Args(where, new DirOpArgs3(root, "vm2")).Encode,
            [Nfs3Proc.Link] = new Link3Args(root, where).Encode,
            [Nfs3Proc.ReadDir] = new ReadDir3Args(root, 0, 0, 4096).Encode,
            [Nfs3Proc.ReadDirPlus] = new ReadDirPlus3Args(root, 0, 0, 4096, 8192).Encode,
            [Nfs3Proc.FsStat] = root.Encode,
            [Nfs3Proc.FsInfo] = root.Encode,
            [Nfs3Proc.PathConf] = root.Encode,
            [Nfs3Proc.Commit] = new Commit3Args(root, 0, 0).Encode,
        };
        var seeds = nfs.Select(p => (byte[])[0, (byte)p.Key, .. NfsTestClient.Encode(p.Value)]).ToList();
        seeds.Add([1, (byte)MountProc3.Mnt, .. NfsTestClient.Encode(w => w.WriteString("/lifeboat/vm1"))]);
        seeds.Add([1, (byte)MountProc3.Umnt, .. NfsTestClient.Encode(w => w.WriteString("/lifeboat"))]);
        seeds.Add([1, (byte)MountProc3.Export]);
        seeds.Add([1, (byte)MountProc3.Dump]);
        return seeds;
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations && data.Count > 2; m++)
        {
            var position = random.Next(2, Math.Max(3, data.Count));
            switch (random.Next(6))
            {
                case 0 when position < data.Count:
                    data[position] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data.RemoveRange(position, data.Count - position);
                    break;
                case 2:
                    data.InsertRange(Math.Min(position, data.Count), Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3 when position + 4 <= data.Count:
                    // Inflate what may be a length field.
                    foreach (var (offset, value) in new[] { (0, 0x7f), (1, 0xff), (2, 0xff), (3, 0xff) })
                    {
                        data[position + offset] = (byte)value;
                    }

                    break;
                case 4 when position < data.Count:
                    data[position] = (byte)random.Next(256);
                    break;
                default:
                    data[1] = (byte)random.Next(256);
                    break;
            }
        }

        return [.. data];
    }
}
