namespace Lifeboat.Cli.Commands;

/// <summary>What `lifeboat files get --json` prints: where the files went and, for --to, what each path gave.</summary>
internal sealed record FilesGetJson(string? To, string? Archive, long Bytes, IReadOnlyList<FilesGetPathJson> Paths, bool? OwnersKept, string? Note);

/// <param name="Name">The name the path got at the top of the folder or archive.</param>
internal sealed record FilesGetPathJson(string Path, string? Name, long Entries, long Bytes, long Skipped, string? Error);
