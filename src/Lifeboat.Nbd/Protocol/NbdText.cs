using System.Text;

namespace Lifeboat.Nbd.Protocol;

/// <summary>The protocol's strings (export names, metadata context queries): UTF-8, and a client's bytes that are not refused.</summary>
internal static class NbdText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string value)
    {
        try
        {
            value = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            value = "";
            return false;
        }
    }
}
