using System.Buffers;
using System.Text;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>Reads text files others write (QEMU, the kernel's /proc) without trusting their size.</summary>
internal static class BoundedFile
{
    /// <summary>At most the first <paramref name="maxBytes"/> of a file, or null when it cannot be read; /proc files report no size.</summary>
    public static string? ReadStart(string path, int maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            var length = 0;
            int read;
            while (length < maxBytes && (read = stream.Read(buffer, length, maxBytes - length)) > 0)
            {
                length += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Missing, or a process that exited while its /proc files were read (ESRCH).
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>At most the last <paramref name="maxBytes"/> of a regular file, or an empty string when it cannot be read.</summary>
    public static string ReadEnd(string path, int maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var start = Math.Max(0, RandomAccess.GetLength(file) - maxBytes);
            var length = RandomAccess.Read(file, buffer.AsSpan(0, maxBytes), start);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
