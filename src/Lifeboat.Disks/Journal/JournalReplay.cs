namespace Lifeboat.Disks.Journal;

/// <summary>What reading a journal found: how many records applied and how many bytes after them were ignored.</summary>
internal readonly record struct JournalReplay(long Records, long IgnoredTailBytes);
