namespace Lifeboat.Repository.Reading;

/// <summary>Which of the blocks a read decodes it leaves in the restore point disk's decoded-block cache.</summary>
public enum BlockCaching
{
    /// <summary>Every block: a later read of any part of one is a copy.</summary>
    All,

    /// <summary>
    /// Only blocks the read covers in part; whole blocks are decoded straight into the caller's buffer. For callers
    /// that keep what they read themselves (hydration) or never read it again (a stream).
    /// </summary>
    PartialOnly,
}
