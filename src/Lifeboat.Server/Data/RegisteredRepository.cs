namespace Lifeboat.Server.Data;

public sealed record RegisteredRepository(string Path, bool IsDefault, DateTimeOffset AddedAt);
