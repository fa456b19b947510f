using System.Diagnostics;
using System.Globalization;
using Lifeboat.Disks.CrashWriter;
using Xunit.Abstractions;

namespace Lifeboat.Disks.Tests;

/// <summary>
/// Runs the crash writer (a separate process writing to a published disk), kills it at random moments, reopens the
/// cache and checks that every write it saw acknowledged (returned, whatever its stability: a crash of the process
/// loses none of them) is there, and that every other byte holds either its previous content or a write that was in
/// flight.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Rounds = 5;

    [Theory]
    [InlineData(4096, 1)]
    [InlineData(65536, 2)]
    public async Task Killing_the_writer_at_random_moments_loses_no_acknowledged_write(int clusterSize, int seed)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), CrashWorkload.DiskLength, seed);
        string before = image.HashFile();
        string cache = folder.Combine("cache");
        var random = new Random(seed);
        byte[] durable = (byte[])image.Content.Clone();
        for (int round = 0; round < Rounds; round++)
        {
            int runSeed = (seed * 1000) + round;
            var clock = Stopwatch.StartNew();
            var run = await RunAndKillAsync(image.Path, cache, runSeed, clusterSize, random);
            output.WriteLine($"round {round}: killed after {run.Issued + 1} writes issued, last commit {run.LastCommit}, {run.Acks.Count} acks ({clock.ElapsedMilliseconds} ms)");

            await using var disk = PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = clusterSize });
            byte[] actual = await DiskAssert.ReadAllAsync(disk);
            Verify(durable, actual, runSeed, run);
            output.WriteLine($"  verified after {clock.ElapsedMilliseconds} ms");
            durable = actual;
        }

        Assert.Equal(before, image.HashFile());
    }

    private static void Verify(byte[] previous, byte[] actual, int runSeed, WriterRun run)
    {
        byte[] expected = (byte[])previous.Clone();
        var lastAcked = new int[expected.Length];
        Array.Fill(lastAcked, -1);
        var inFlight = new List<(int Index, CrashWrite Write, byte[] Data)>();
        for (int i = 0; i <= run.Issued; i++)
        {
            var write = CrashWorkload.Get(runSeed, i);
            var data = new byte[write.Length];
            CrashWorkload.Fill(runSeed, i, data);
            if (i <= run.LastCommit || run.Acks.Contains(i))
            {
                data.CopyTo(expected, write.Offset);
                lastAcked.AsSpan((int)write.Offset, write.Length).Fill(i);
            }
            else
            {
                inFlight.Add((i, write, data));
            }
        }

        for (int b = 0; b < expected.Length; b++)
        {
            if (actual[b] == expected[b])
                continue;
            bool explained = inFlight.Exists(w => w.Index > lastAcked[b] && b >= w.Write.Offset && b < w.Write.Offset + w.Write.Length
                && w.Data[b - w.Write.Offset] == actual[b]);
            if (!explained)
                Assert.Fail($"Byte {b} is {actual[b]} after the crash; the last acknowledged write there (#{lastAcked[b]}) left {expected[b]}, and no unacknowledged write explains it.");
        }
    }

    private async Task<WriterRun> RunAndKillAsync(string basePath, string cache, int runSeed, int clusterSize, Random random)
    {
        string writer = Path.Combine(AppContext.BaseDirectory, "Lifeboat.Disks.CrashWriter.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { writer, basePath, cache, runSeed.ToString(CultureInfo.InvariantCulture), clusterSize.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);

        // Most rounds are killed after some acknowledged writes; some early, maybe while the cache is being opened.
        int killAfterAcks = random.Next(6) == 0 ? 0 : random.Next(1, 300);
        int killDelayMs = random.Next(0, 3);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var run = new WriterRun();
        int acks = 0;
        bool killed = false;
        if (killAfterAcks == 0)
        {
            _ = Task.Delay(random.Next(0, 400)).ContinueWith(_ => Kill(process), TaskScheduler.Default);
            killed = true;
        }

        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Length < 3)
                continue;
            int index = int.Parse(line.AsSpan(2), CultureInfo.InvariantCulture);
            switch (line[0])
            {
                case 'I':
                    run.Issued = index;
                    break;
                case 'A':
                    run.Acks.Add(index);
                    acks++;
                    break;
                case 'C':
                    run.LastCommit = index;
                    acks++;
                    break;
            }

            if (!killed && acks >= killAfterAcks)
            {
                killed = true;
                if (killDelayMs > 0)
                    Thread.Sleep(killDelayMs);
                Kill(process);
            }
        }

        await process.WaitForExitAsync();
        Assert.True(killed && process.ExitCode != 0, $"The crash writer ended by itself (exit code {process.ExitCode}): {await stderr}");
        return run;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private sealed class WriterRun
    {
        public int Issued { get; set; } = -1;
        public int LastCommit { get; set; } = -1;
        public HashSet<int> Acks { get; } = [];
    }
}
