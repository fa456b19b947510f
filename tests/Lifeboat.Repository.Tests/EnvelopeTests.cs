using System.Buffers.Binary;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Format;

namespace Lifeboat.Repository.Tests;

public class EnvelopeTests
{
    private static ReadOnlySpan<byte> Magic => "LBTEST\0\0"u8;

    [Fact]
    public void Plain_envelope_round_trips()
    {
        var payload = "hello envelope"u8.ToArray();
        var bytes = Envelope.Encode(Magic, 1, payload, cipher: null);

        Assert.Equal(Envelope.Overhead + payload.Length, bytes.Length);
        Assert.Equal(EnvelopeStatus.Ok, Envelope.TryDecode(bytes, Magic, 1, 1024, out var header, out var decoded));
        Assert.False(header.Encrypted);
        Assert.Equal(payload, decoded.ToArray());
    }

    [Fact]
    public void Encrypted_envelope_hides_and_restores_the_payload()
    {
        using var cipher = new AuthenticatedCipher(new byte[32]);
        var payload = "secret secret secret"u8.ToArray();
        var bytes = Envelope.Encode(Magic, 1, payload, cipher);

        Assert.Equal(-1, bytes.AsSpan().IndexOf("secret"u8));
        Assert.Equal(EnvelopeStatus.Ok, Envelope.TryDecode(bytes, Magic, 1, 1024, out var header, out var sealedPayload));
        Assert.True(header.Encrypted);
        var plain = new byte[sealedPayload.Length - AuthenticatedCipher.Overhead];
        Assert.True(cipher.TryOpen(sealedPayload, Magic, plain));
        Assert.Equal(payload, plain);

        using var otherKey = new AuthenticatedCipher(Enumerable.Repeat((byte)7, 32).ToArray());
        Assert.False(otherKey.TryOpen(sealedPayload, Magic, plain));
    }

    [Fact]
    public void Header_parser_asks_for_more_data_until_the_envelope_is_complete()
    {
        var bytes = Envelope.Encode(Magic, 1, new byte[100], cipher: null);

        Assert.Equal(EnvelopeStatus.NeedMoreData, Envelope.TryReadHeader(bytes.AsSpan(0, 15), Magic, 1, 1024, out _));
        Assert.Equal(EnvelopeStatus.Ok, Envelope.TryReadHeader(bytes.AsSpan(0, 16), Magic, 1, 1024, out var header));
        Assert.Equal(100u, header.PayloadLength);
        Assert.Equal(EnvelopeStatus.NeedMoreData, Envelope.TryDecode(bytes.AsSpan(0, bytes.Length - 1), Magic, 1, 1024, out _, out _));
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        var bytes = Envelope.Encode(Magic, 1, new byte[10], cipher: null);

        Assert.Equal(EnvelopeStatus.BadMagic, Envelope.TryDecode(bytes, "LBOTHER\0"u8, 1, 1024, out _, out _));
    }

    [Fact]
    public void Length_field_over_the_cap_is_rejected_before_reading_the_payload()
    {
        var bytes = Envelope.Encode(Magic, 1, new byte[10], cipher: null);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), uint.MaxValue);

        Assert.Equal(EnvelopeStatus.TooLarge, Envelope.TryReadHeader(bytes, Magic, 1, 1 << 20, out _));
        Assert.Equal(EnvelopeStatus.TooLarge, Envelope.TryDecode(bytes, Magic, 1, 1 << 20, out _, out _));
    }

    [Fact]
    public void Length_field_that_disagrees_with_the_data_is_rejected()
    {
        var bytes = Envelope.Encode(Magic, 1, new byte[10], cipher: null);
        var longer = bytes.Concat(new byte[5]).ToArray();

        Assert.Equal(EnvelopeStatus.BadLength, Envelope.TryDecode(longer, Magic, 1, 1024, out _, out _));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(20)]
    [InlineData(33)]
    public void Any_flipped_byte_fails_the_checksum(int position)
    {
        var bytes = Envelope.Encode(Magic, 1, new byte[20], cipher: null);
        bytes[position] ^= 0x40;

        var status = Envelope.TryDecode(bytes, Magic, 1, 1024, out _, out _);

        Assert.NotEqual(EnvelopeStatus.Ok, status);
        Assert.Equal(position < 8 ? EnvelopeStatus.BadMagic : EnvelopeStatus.BadChecksum, status);
    }

    [Fact]
    public void Newer_version_is_reported_as_such()
    {
        var bytes = Envelope.Encode(Magic, 2, new byte[4], cipher: null);

        Assert.Equal(EnvelopeStatus.NewerVersion, Envelope.TryDecode(bytes, Magic, 1, 1024, out var header, out _));
        Assert.Equal(2, header.Version);
    }
}
