using System.Buffers;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

public class XdrTests
{
    [Fact]
    public void Integers_round_trip_big_endian()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(0x01020304);
        writer.WriteInt32(-2);
        writer.WriteUInt64(0x0102030405060708);
        writer.WriteInt64(long.MinValue);
        writer.WriteBool(true);
        writer.WriteBool(false);

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer.WrittenSpan[..4].ToArray());
        var reader = new XdrReader(buffer.WrittenSpan);
        Assert.Equal(0x01020304u, reader.ReadUInt32());
        Assert.Equal(-2, reader.ReadInt32());
        Assert.Equal(0x0102030405060708ul, reader.ReadUInt64());
        Assert.Equal(long.MinValue, reader.ReadInt64());
        Assert.True(reader.ReadBool());
        Assert.False(reader.ReadBool());
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(buffer.WrittenCount, reader.Position);
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(1, 8)]
    [InlineData(2, 8)]
    [InlineData(3, 8)]
    [InlineData(4, 8)]
    [InlineData(5, 12)]
    public void Opaque_is_padded_with_zeros_to_four_bytes(int length, int encodedLength)
    {
        var data = Enumerable.Range(1, length).Select(i => (byte)i).ToArray();
        var buffer = new ArrayBufferWriter<byte>();
        new XdrWriter(buffer).WriteOpaque(data);

        Assert.Equal(encodedLength, buffer.WrittenCount);
        Assert.All(buffer.WrittenSpan[(4 + length)..].ToArray(), b => Assert.Equal(0, b));
        var reader = new XdrReader(buffer.WrittenSpan);
        Assert.Equal(data, reader.ReadOpaque(length).ToArray());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Fixed_opaque_and_string_round_trip()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        writer.WriteFixedOpaque([9, 8, 7]);
        writer.WriteString("dïsk0.raw");
        writer.WriteUInt32(42);

        var reader = new XdrReader(buffer.WrittenSpan);
        Assert.Equal(new byte[] { 9, 8, 7 }, reader.ReadFixedOpaque(3).ToArray());
        Assert.Equal(4, reader.Position);
        Assert.Equal("dïsk0.raw", reader.ReadString(255));
        Assert.Equal(42u, reader.ReadUInt32());
    }

    [Fact]
    public void Opaque_range_locates_the_data_in_the_original_buffer()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(7);
        writer.WriteOpaque([1, 2, 3, 4, 5]);
        var bytes = buffer.WrittenMemory;

        var reader = new XdrReader(bytes.Span);
        reader.ReadUInt32();
        var range = reader.ReadOpaqueRange(16);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, bytes[range].ToArray());
        Assert.Equal(16, reader.Position);
    }

    [Fact]
    public void Opaque_span_lets_data_be_filled_in_place_with_less_than_reserved()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        var span = writer.GetOpaqueSpan(100);
        span[..5].Fill(0xAB);
        writer.CommitOpaque(5);
        writer.WriteUInt32(0xFFFFFFFF);

        var reader = new XdrReader(buffer.WrittenSpan);
        Assert.Equal(Enumerable.Repeat((byte)0xAB, 5).ToArray(), reader.ReadOpaque(100).ToArray());
        Assert.Equal(0xFFFFFFFFu, reader.ReadUInt32());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Opaque_longer_than_its_cap_is_rejected_before_reading_it()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new XdrWriter(buffer).WriteOpaque(new byte[10]);

        var ex = Assert.Throws<XdrException>(() => new XdrReader(buffer.WrittenSpan).ReadOpaque(9));
        Assert.Contains("limit of 9", ex.Message, StringComparison.Ordinal);
        var reader = new XdrReader(buffer.WrittenSpan);
        Assert.False(reader.TryReadOpaque(9, out _));
        Assert.Equal(0, reader.Position);
    }

    [Fact]
    public void A_huge_length_on_short_input_throws_instead_of_allocating_or_wrapping()
    {
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4];
        Assert.Throws<XdrException>(() => new XdrReader(bytes).ReadOpaque(int.MaxValue));
        Assert.Throws<XdrException>(() => new XdrReader(bytes).ReadString(int.MaxValue));
        var reader = new XdrReader(bytes);
        Assert.False(reader.TryReadOpaque(int.MaxValue, out _));
    }

    [Fact]
    public void Missing_padding_is_short_input()
    {
        byte[] bytes = [0, 0, 0, 1, 0xAA];
        Assert.Throws<XdrException>(() => new XdrReader(bytes).ReadOpaque(8));
    }

    [Fact]
    public void Short_input_throws_and_try_read_reports_it()
    {
        byte[] bytes = [1, 2, 3];
        Assert.Throws<XdrException>(() => new XdrReader(bytes).ReadUInt32());
        Assert.Throws<XdrException>(() => new XdrReader(new byte[7]).ReadUInt64());
        var reader = new XdrReader(bytes);
        Assert.False(reader.TryReadUInt32(out _));
        Assert.False(reader.TryReadUInt64(out _));
        Assert.Equal(3, reader.Remaining);
    }

    [Fact]
    public void Bool_other_than_zero_or_one_is_malformed()
    {
        Assert.Throws<XdrException>(() => new XdrReader([0, 0, 0, 2]).ReadBool());
    }

    [Fact]
    public void Invalid_utf8_string_is_malformed()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new XdrWriter(buffer).WriteOpaque([0xC3, 0x28]);
        Assert.Throws<XdrException>(() => new XdrReader(buffer.WrittenSpan).ReadString(16));
    }

    [Fact]
    public void Enum_reads_the_raw_value()
    {
        var reader = new XdrReader([0, 0, 0, 4]);
        Assert.Equal(Rpc.RpcAcceptStatus.GarbageArgs, reader.ReadEnum<Rpc.RpcAcceptStatus>());
    }
}
