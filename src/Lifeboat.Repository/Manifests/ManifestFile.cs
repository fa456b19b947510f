using System.Buffers.Binary;
using System.Text.Json;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Format;

namespace Lifeboat.Repository.Manifests;

/// <summary>
/// `restore-points/&lt;id&gt;.rp`: an envelope (magic "LBRESTPT", encrypted when the repository is) whose payload is
/// u32 header length, the JSON header, then each disk's block map as packed 32-byte chunk ids.
/// </summary>
internal static class ManifestFile
{
    public const ushort Version = 1;
    public const int MaxHeaderLength = 16 * 1024 * 1024;
    public const int MaxDisks = 256;

    /// <summary>1 PiB: far above any real disk, low enough that block arithmetic cannot overflow.</summary>
    public const long MaxDiskSize = 1L << 50;

    /// <summary>Block maps are held in memory and in one envelope, so they are capped (32M blocks in all).</summary>
    public const long MaxBlockMapBytes = 1L << 30;

    public const int MaxPayloadLength = (int)MaxBlockMapBytes + MaxHeaderLength + 4 + AuthenticatedCipher.Overhead;

    public static byte[] Encode(RestorePointManifest manifest, AuthenticatedCipher? cipher)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(manifest.Header, RepositoryJsonContext.Default.ManifestHeader);
        long mapBytes = manifest.BlockMaps.Sum(m => (long)m.Length * ChunkId.Size);
        if (json.Length > MaxHeaderLength || mapBytes > MaxBlockMapBytes)
        {
            throw new RepositoryException("This restore point's block maps exceed 1 GiB; create a repository with a larger block size for disks this large.");
        }

        var payload = new byte[4 + json.Length + mapBytes];
        BinaryPrimitives.WriteInt32LittleEndian(payload, json.Length);
        json.CopyTo(payload.AsSpan(4));
        var span = payload.AsSpan(4 + json.Length);
        foreach (var map in manifest.BlockMaps)
        {
            foreach (var id in map)
            {
                id.WriteTo(span);
                span = span[ChunkId.Size..];
            }
        }

        return Envelope.Encode(EnvelopeMagic.RestorePoint, Version, payload, cipher);
    }

    /// <summary>
    /// Parses a manifest file; returns null with a reason when it is damaged or not the restore point
    /// <paramref name="expectedId"/>. Block maps are skipped (empty arrays) unless <paramref name="withBlockMaps"/>.
    /// </summary>
    public static RestorePointManifest? TryDecode(
        ReadOnlySpan<byte> file,
        string expectedId,
        AuthenticatedCipher? cipher,
        int blockSize,
        bool withBlockMaps,
        out string? problem)
    {
        if (!Envelope.TryOpen(file, EnvelopeMagic.RestorePoint, Version, MaxPayloadLength, cipher, out var payload, out problem))
        {
            return null;
        }

        return Parse(payload, expectedId, blockSize, withBlockMaps, out problem);
    }

    private static RestorePointManifest? Parse(ReadOnlySpan<byte> payload, string expectedId, int blockSize, bool withBlockMaps, out string? problem)
    {
        if (payload.Length < 4)
        {
            problem = "its payload is truncated";
            return null;
        }

        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (jsonLength <= 0 || jsonLength > MaxHeaderLength || jsonLength > payload.Length - 4)
        {
            problem = "its header length is out of range";
            return null;
        }

        ManifestHeader? header;
        try
        {
            header = JsonSerializer.Deserialize(payload.Slice(4, jsonLength), RepositoryJsonContext.Default.ManifestHeader);
        }
        catch (JsonException ex)
        {
            problem = "its header is not valid JSON: " + ex.Message;
            return null;
        }

        problem = Validate(header, expectedId, blockSize);
        if (problem is not null)
        {
            return null;
        }

        var maps = payload[(4 + jsonLength)..];
        long expectedBytes = header!.Disks.Sum(d => d.BlockCount * ChunkId.Size);
        if (maps.Length != expectedBytes)
        {
            problem = "its block maps do not match its disk sizes";
            return null;
        }

        var blockMaps = new ChunkId[header.Disks.Count][];
        for (int d = 0; d < blockMaps.Length; d++)
        {
            int count = (int)header.Disks[d].BlockCount;
            if (!withBlockMaps)
            {
                blockMaps[d] = [];
                continue;
            }

            var map = new ChunkId[count];
            for (int b = 0; b < count; b++)
            {
                map[b] = ChunkId.Read(maps.Slice(b * ChunkId.Size, ChunkId.Size));
            }

            blockMaps[d] = map;
            maps = maps[(count * ChunkId.Size)..];
        }

        return new RestorePointManifest(header, blockMaps);
    }

    private static string? Validate(ManifestHeader? header, string expectedId, int blockSize)
    {
        if (header is null || header.Id is null || header.Vm is null || header.Disks is null)
        {
            return "its header misses required fields";
        }

        if (!string.Equals(header.Id, expectedId, StringComparison.Ordinal))
        {
            return $"it holds restore point '{header.Id}' under another name";
        }

        if (header.VmConfig is { } vmConfig && (vmConfig.Format is null || vmConfig.Text is null))
        {
            return "its VM configuration misses required fields";
        }

        if (header.Disks.Count > MaxDisks)
        {
            return "it lists too many disks";
        }

        long totalBlocks = 0;
        for (int i = 0; i < header.Disks.Count; i++)
        {
            var disk = header.Disks[i];
            if (disk is null || disk.Index != i || disk.Name is null || disk.SourcePath is null || disk.SourceFormat is null
                || disk.BlockSize != blockSize || disk.Size is < 0 or > MaxDiskSize || disk.ZeroBlocks < 0 || disk.StoredBytes < 0)
            {
                return $"disk {i} of its header is invalid";
            }

            totalBlocks += disk.BlockCount;
        }

        return totalBlocks * ChunkId.Size > MaxBlockMapBytes ? "its block maps are larger than allowed" : null;
    }
}
