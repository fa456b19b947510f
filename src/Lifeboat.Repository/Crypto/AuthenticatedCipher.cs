using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Lifeboat.Repository.Crypto;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce per message; sealed form is nonce || ciphertext || tag.
/// Thread-safe: AesGcm instances are not, so each call borrows one from a small pool.
/// </summary>
internal sealed class AuthenticatedCipher : IDisposable
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;

    private readonly byte[] _key;
    private readonly ConcurrentBag<AesGcm> _pool = [];
    private bool _disposed;

    public AuthenticatedCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("AES-256 needs a 32-byte key.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>An independent cipher with the same key, for an object that may outlive this one.</summary>
    public AuthenticatedCipher Clone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new AuthenticatedCipher(_key);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/> (plaintext length + 28 bytes).</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        if (destination.Length != plaintext.Length + Overhead)
        {
            throw new ArgumentException("The destination must be exactly 28 bytes longer than the plaintext.", nameof(destination));
        }

        var nonce = destination[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var aes = Rent();
        try
        {
            aes.Encrypt(nonce, plaintext, destination.Slice(NonceSize, plaintext.Length), destination[(NonceSize + plaintext.Length)..], associatedData);
        }
        finally
        {
            _pool.Add(aes);
        }
    }

    /// <summary>Decrypts and authenticates; false when the key is wrong or the bytes were altered.</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (sealedData.Length < Overhead || plaintext.Length != sealedData.Length - Overhead)
        {
            return false;
        }

        var aes = Rent();
        try
        {
            aes.Decrypt(
                sealedData[..NonceSize],
                sealedData.Slice(NonceSize, plaintext.Length),
                sealedData[(NonceSize + plaintext.Length)..],
                plaintext,
                associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            plaintext.Clear();
            return false;
        }
        finally
        {
            _pool.Add(aes);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        while (_pool.TryTake(out var aes))
        {
            aes.Dispose();
        }
    }

    private AesGcm Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _pool.TryTake(out var aes) ? aes : new AesGcm(_key, TagSize);
    }
}
