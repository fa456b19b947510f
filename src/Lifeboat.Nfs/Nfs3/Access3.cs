namespace Lifeboat.Nfs.Nfs3;

/// <summary>The ACCESS3_* bits of RFC 1813 section 3.3.4.</summary>
[Flags]
public enum Access3 : uint
{
    None = 0,
    Read = 0x0001,
    Lookup = 0x0002,
    Modify = 0x0004,
    Extend = 0x0008,
    Delete = 0x0010,
    Execute = 0x0020,
    All = Read | Lookup | Modify | Extend | Delete | Execute,
}
