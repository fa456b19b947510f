using System.Runtime.InteropServices;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>A NULL-terminated <c>char *const *</c> of NUL-terminated byte strings in native memory, for one call.</summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly int _count;

    public NativeStrings(IReadOnlyList<byte[]> values)
    {
        _count = values.Count;
        Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            var copy = (byte*)NativeMemory.Alloc((nuint)value.Length + 1);
            value.CopyTo(new Span<byte>(copy, value.Length));
            copy[value.Length] = 0;
            Pointer[i] = copy;
        }
    }

    public byte** Pointer { get; private set; }

    public void Dispose()
    {
        if (Pointer is null)
            return;
        for (var i = 0; i < _count; i++)
            NativeMemory.Free(Pointer[i]);
        NativeMemory.Free(Pointer);
        Pointer = null;
    }
}
