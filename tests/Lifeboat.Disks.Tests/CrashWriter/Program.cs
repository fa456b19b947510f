using Lifeboat.Disks;
using Lifeboat.Disks.CrashWriter;

// Writes to a published disk forever, saying on stdout what it is about to write ("I n"), which writes returned
// ("A n", whatever their stability) and which commits returned ("C n": every write up to n is committed).
// The crash tests kill it at random moments and check that every acknowledged write survived.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Lifeboat.Disks.CrashWriter BASE_FILE CACHE_FOLDER SEED CLUSTER_SIZE");
    return 2;
}

int seed = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var options = new PublishedDiskOptions { ClusterSize = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) };
await using var disk = PublishedDisk.Open(FileBaseDisk.Open(args[0]), args[1], options);
Console.WriteLine("R");
byte[] buffer = new byte[CrashWorkload.MaxWriteLength];
for (int i = 0; i < 1_000_000; i++)
{
    var write = CrashWorkload.Get(seed, i);
    var data = buffer.AsMemory(0, write.Length);
    CrashWorkload.Fill(seed, i, data.Span);
    Console.WriteLine($"I {i}");
    await disk.WriteAsync(write.Offset, data, write.Stability);
    Console.WriteLine($"A {i}");
    if (CrashWorkload.CommitsAfter(i))
    {
        await disk.CommitAsync();
        Console.WriteLine($"C {i}");
    }
}

return 0;
