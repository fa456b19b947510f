using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>Reads the names in an open folder with getdents64, at most <see cref="MaxEntriesPerDirectory"/> of them.</summary>
internal static class LocalDirectoryReader
{
    public const int MaxEntriesPerDirectory = 100_000;
    private const int DirentBufferSize = 32 * 1024;

    // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name (NUL-terminated).
    private const int RecordLengthOffset = 16;
    private const int NameOffset = 19;

    /// <summary>Adds every name but "." and ".."; EOVERFLOW for a folder of more entries than the cap.</summary>
    public static Errno ReadNames(SafeFileHandle dir, List<string> names)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DirentBufferSize);
        try
        {
            return ReadNames(dir, names, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Errno ReadNames(SafeFileHandle dir, List<string> names, byte[] buffer)
    {
        while (true)
        {
            var read = LibC.getdents64(dir, buffer, buffer.Length);
            if (read < 0)
            {
                return LibC.LastError;
            }

            if (read == 0)
            {
                return Errno.None;
            }

            var offset = 0;
            while (offset + NameOffset < read)
            {
                var recordLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + RecordLengthOffset));
                if (recordLength <= NameOffset || offset + recordLength > read)
                {
                    return Errno.Io;
                }

                var nameBytes = buffer.AsSpan(offset + NameOffset, recordLength - NameOffset);
                var end = nameBytes.IndexOf((byte)0);
                nameBytes = end < 0 ? nameBytes : nameBytes[..end];
                if (!nameBytes.SequenceEqual("."u8) && !nameBytes.SequenceEqual(".."u8))
                {
                    if (names.Count >= MaxEntriesPerDirectory)
                    {
                        return Errno.Overflow;
                    }

                    names.Add(Encoding.UTF8.GetString(nameBytes));
                }

                offset += recordLength;
            }
        }
    }
}
