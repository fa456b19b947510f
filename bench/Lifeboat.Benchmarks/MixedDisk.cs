using System.Text;

namespace Lifeboat.Benchmarks;

/// <summary>
/// The benchmark disk: 256 MiB in 1 MiB segments drawn from a fixed seed: text 35%, machine code and data taken
/// from /usr/bin and /usr/lib 20%, random 15%, zeros (holes) 30%. Generated once into the temp folder.
/// </summary>
public static class MixedDisk
{
    public const long Length = 256L * 1024 * 1024;
    private const int Segment = 1024 * 1024;

    private static readonly string[] Words =
    [
        "the", "of", "and", "a", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on", "are", "as", "with",
        "his", "they", "at", "be", "this", "have", "from", "or", "one", "had", "by", "word", "but", "not", "what",
        "kernel", "module", "config", "return", "static", "void", "int", "struct", "if", "else", "while", "error",
    ];

    public static string Folder { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-bench");

    public static string ImagePath => Path.Combine(Folder, "mixed-256m.img");

    public static string EnsureCreated()
    {
        Directory.CreateDirectory(Folder);
        if (File.Exists(ImagePath) && new FileInfo(ImagePath).Length == Length)
        {
            return ImagePath;
        }

        string partial = ImagePath + ".partial";
        var random = new Random(2026);
        var binaries = new BinarySource();
        var buffer = new byte[Segment];
        using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write))
        {
            file.SetLength(Length);
            for (long offset = 0; offset < Length; offset += Segment)
            {
                int pick = random.Next(100);
                if (pick < 30)
                {
                    continue;
                }

                if (pick < 65)
                {
                    FillText(buffer, random);
                }
                else if (pick < 85)
                {
                    binaries.Fill(buffer);
                }
                else
                {
                    random.NextBytes(buffer);
                }

                file.Position = offset;
                file.Write(buffer);
            }
        }

        File.Move(partial, ImagePath, overwrite: true);
        return ImagePath;
    }

    /// <summary>Offsets of the 4 KiB pages inside non-zero segments (boot reads hit data, not holes).</summary>
    public static long[] DataPageOffsets(int count, int seed, long limit = Length)
    {
        var data = new List<long>();
        var page = new byte[4096];
        using (var file = File.OpenHandle(EnsureCreated()))
        {
            for (long offset = 0; offset < Math.Min(limit, Length); offset += Segment)
            {
                RandomAccess.Read(file, page, offset);
                if (page.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                {
                    data.Add(offset);
                }
            }
        }

        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => data[random.Next(data.Count)] + (random.Next(Segment / 4096) * 4096L)).ToArray();
    }

    private static void FillText(byte[] buffer, Random random)
    {
        var text = new StringBuilder(buffer.Length + 64);
        while (text.Length < buffer.Length)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(random.Next(12) == 0 ? ".\n" : " ");
        }

        Encoding.ASCII.GetBytes(text.ToString(0, buffer.Length), buffer);
    }

    /// <summary>Streams the bytes of the machine's own executables and libraries, one file after another.</summary>
    private sealed class BinarySource
    {
        private readonly IEnumerator<string> _files = Directory.EnumerateFiles("/usr/lib/x86_64-linux-gnu", "*.so*", SearchOption.TopDirectoryOnly)
            .Concat(Directory.EnumerateFiles("/usr/bin"))
            .Order(StringComparer.Ordinal)
            .ToList()
            .GetEnumerator();

        private byte[] _current = [];
        private int _position;

        public void Fill(byte[] buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                if (_position >= _current.Length && !Next())
                {
                    buffer.AsSpan(done).Clear();
                    return;
                }

                int n = Math.Min(buffer.Length - done, _current.Length - _position);
                _current.AsSpan(_position, n).CopyTo(buffer.AsSpan(done));
                _position += n;
                done += n;
            }
        }

        private bool Next()
        {
            while (_files.MoveNext())
            {
                try
                {
                    var info = new FileInfo(_files.Current);
                    if (info.LinkTarget is null && info.Length is > 0 and < 64 * 1024 * 1024)
                    {
                        _current = File.ReadAllBytes(_files.Current);
                        _position = 0;
                        return true;
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return false;
        }
    }
}
