using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// Turns the PPM (P6) picture QEMU's <c>screendump</c> always writes into a PNG: a console screenshot kept beside a
/// verification result must open anywhere, and PNG output of QEMU depends on how it was built.
/// </summary>
public static class PngImage
{
    /// <summary>Bounds a picture read from QEMU: 16384 pixels a side.</summary>
    public const int MaxSide = 16384;

    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <exception cref="InvalidDataException">The file is not a binary PPM with 8-bit samples.</exception>
    public static void ConvertPpm(string ppmPath, string pngPath)
    {
        var ppm = File.ReadAllBytes(ppmPath);
        var position = 0;
        if (NextToken(ppm, ref position) != "P6")
            throw new InvalidDataException($"{ppmPath} is not a binary PPM picture.");
        var width = ParseDimension(NextToken(ppm, ref position), ppmPath);
        var height = ParseDimension(NextToken(ppm, ref position), ppmPath);
        if (NextToken(ppm, ref position) != "255")
            throw new InvalidDataException($"{ppmPath} does not hold 8-bit samples.");
        position++; // the one whitespace byte before the pixels
        var rowBytes = width * 3;
        if (ppm.Length - position < (long)rowBytes * height)
            throw new InvalidDataException($"{ppmPath} ends before its {width}x{height} pixels.");

        using var png = File.Create(pngPath);
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        WriteChunk(png, "IHDR", header);

        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var row = 0; row < height; row++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(ppm, position + (row * rowBytes), rowBytes);
            }
        }

        WriteChunk(png, "IDAT", pixels.ToArray());
        WriteChunk(png, "IEND", []);
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        Span<byte> sum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, crc.GetCurrentHashAsUInt32());
        png.Write(sum);
    }

    private static string NextToken(byte[] data, ref int position)
    {
        while (position < data.Length)
        {
            if (data[position] == '#')
            {
                while (position < data.Length && data[position] != '\n')
                    position++;
            }
            else if (data[position] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                position++;
            }
            else
            {
                break;
            }
        }

        var start = position;
        while (position < data.Length && position - start < 16 && data[position] is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            position++;
        return Encoding.ASCII.GetString(data, start, position - start);
    }

    private static int ParseDimension(string token, string path) =>
        int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is > 0 and <= MaxSide
            ? value
            : throw new InvalidDataException($"{path} has a picture side of '{token}' pixels.");
}
