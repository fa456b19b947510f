using System.Buffers.Binary;
using System.IO.Hashing;

namespace Lifeboat.Cli.Tests;

/// <summary>Edits repository files the way a newer Lifeboat would write them (format v1 envelope layout).</summary>
internal static class RepositoryFiles
{
    public static void RewriteConfigFormatVersion(string configPath, ushort version)
    {
        var bytes = File.ReadAllBytes(configPath);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), version);
        var end = bytes.Length - 8;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(end), XxHash64.HashToUInt64(bytes.AsSpan(0, end)));
        File.WriteAllBytes(configPath, bytes);
    }
}
