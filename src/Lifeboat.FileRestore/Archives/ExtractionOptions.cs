namespace Lifeboat.FileRestore.Archives;

/// <summary>How a selection is extracted into a folder.</summary>
/// <param name="Overwrite">Replace files and links that exist already (by rename: a symlink in the way is replaced, never followed); otherwise such a path fails naming the file.</param>
public sealed record ExtractionOptions(bool Overwrite = false);
