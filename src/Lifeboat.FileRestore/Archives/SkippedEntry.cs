namespace Lifeboat.FileRestore.Archives;

/// <summary>An entry that was not written, by its name in the folder (escaped), and why.</summary>
public sealed record SkippedEntry(string Name, string Reason);
